var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');
var transfers = require('../../utils/transfers.js');

var ROUTE = 'pages/transfer-form/transfer-form';

/**
 * 档案/户口信息登记表单（图32、图37）：?module=archive|hukou 与 &purpose=registration|change（新建）
 * 或 &id=（修改未完成的登记）。字段来自 GET /transfers/{module} 的 fields；转回生源地按 prefill 反显且
 * 省份锁定（AR-2）；档案转递单位名称可在目录中搜索或直接填写（AR-7）；政策提示不阻止提交（AR-8）；
 * 图片选填、最多 3 张；保存 / 提交，审核中可修改申请或撤回修改，草稿可撤销。
 */
Page({
  data: {
    module: '',
    purpose: 'registration',
    recordId: null,
    record: null,
    loading: true,
    loadError: '',
    title: '',
    notice: '',
    fields: [],
    typeKey: '',
    regionKey: '',
    policyHint: '',
    prefillNote: '',
    lockedProvince: '',
    regionCols: [[], [], []],
    regionNames: [[], [], []],
    regionIdx: [0, 0, 0],
    images: [],
    imageMax: 3,
    buttons: [],
    errors: [],
    message: '',
    busy: false,
    uploading: false,
    search: { open: false, q: '', items: [], loading: false, message: '' }
  },

  onLoad: function (query) {
    var resumed = api.takeResume(ROUTE);
    this.setData({
      module: transfers.isModule(query.module) ? query.module : '',
      purpose: query.purpose === 'change' ? 'change' : 'registration',
      recordId: query.id ? parseInt(query.id, 10) : (resumed && resumed.recordId) || null
    });
    this.load(resumed);
  },

  /** 登录失效时暂存的未保存输入（见 utils/api.js）。 */
  stashForm: function () {
    return { recordId: this.data.recordId, values: forms.collectValues(this.data.fields || []) };
  },

  load: function (resumed) {
    var self = this;
    if (!self.data.module) {
      self.setData({ loading: false, loadError: '没有该功能模块' });
      return Promise.resolve();
    }
    self.setData({ loading: true, loadError: '' });
    var module = self.data.module;
    // api-values module: archive hukou
    return api.get('/transfers/' + module).then(function (out) {
      self.out = out;
      if (!out.available) throw new Error(out.reason || '该功能暂不可用');
      var id = self.data.recordId;
      if (!id) return null;
      if (out.open && out.open.id === id) return out.open;
      // api-values module: archive hukou
      return api.get('/transfers/' + module + '/registrations/' + id);
    }).then(function (record) {
      var out = self.out;
      if (!record) {
        var refusal = self.data.purpose === 'change' ? out.change_refusal : out.register_refusal;
        var allowed = self.data.purpose === 'change' ? out.can_change : out.can_register;
        if (!allowed) throw new Error(refusal || '现在不能登记');
      }
      var purpose = record ? record.purpose : self.data.purpose;
      var values = transfers.startValues(out, record, purpose, resumed && resumed.values);
      var fields = transfers.buildFields(out, values);
      var title = transfers.kindTitle(module, purpose);
      wx.setNavigationBarTitle({ title: title });
      self.setData({
        loading: false, purpose: purpose, title: title, fields: fields,
        typeKey: out.type_field, regionKey: out.region_field, imageMax: out.image_max || 3
      });
      self.applyRecord(record);
      self.afterType(false);
    }).catch(function (err) {
      self.setData({ loading: false, loadError: err.message });
    });
  },

  /** 记录（保存、撤回后的）→ 编号、状态说明、按钮、图片。 */
  applyRecord: function (record) {
    this.setData({
      record: record,
      recordId: record ? record.id : null,
      notice: transfers.formNotice(record),
      buttons: transfers.formButtons(record)
    });
    if (record) this.showImages(record.images || []);
  },

  // --- 字段 ---------------------------------------------------------------------------------------

  typeValue: function () { return transfers.fieldValue(this.data.fields, this.data.typeKey); },

  /** 类型变化后：政策提示（AR-8）、转回生源地的省份锁定（AR-2）与地址选择器。 */
  afterType: function (prefilled) {
    var type = this.typeValue();
    var locked = transfers.lockedProvince(this.out, type);
    this.setData({
      policyHint: transfers.policyHint(this.out.policy, type),
      lockedProvince: locked,
      prefillNote: prefilled ? '已按你的生源所在地填入，可修改或补充；省份不能修改。' : (locked ? '转回生源地：地址的省份按生源所在地确定，不能修改。' : '')
    });
    return this.initRegion();
  },

  onInput: function (e) {
    this.setData({ fields: transfers.setValues(this.data.fields, kv(e.currentTarget.dataset.key, e.detail.value)) });
  },

  onPickType: function (e) {
    var field = this.data.fields.filter(function (f) { return f.key === e.currentTarget.dataset.key; })[0];
    var choice = field && field.choices[parseInt(e.detail.value, 10)];
    if (!choice) return;
    var res = transfers.chooseType(this.out, this.data.fields, choice.code);
    this.setData({ fields: res.fields });
    return this.afterType(res.prefilled);
  },

  // --- 省市区（GET /regions） -----------------------------------------------------------------------

  regions: function (parent) {
    this.regionCache = this.regionCache || {};
    var key = parent || '';
    if (!this.regionCache[key]) {
      this.regionCache[key] = api.get('/regions', parent ? { parent: parent } : undefined).then(function (out) {
        return out.items || [];
      });
      var cache = this.regionCache;
      this.regionCache[key].catch(function () { delete cache[key]; });
    }
    return this.regionCache[key];
  },

  /** 按当前地址代码建立三列（锁定省份时省列只有该省）。 */
  initRegion: function () {
    var self = this;
    var code = transfers.fieldValue(self.data.fields, self.data.regionKey);
    var locked = self.data.lockedProvince;
    var cols = [];
    var idx = [0, 0, 0];
    return self.regions('').then(function (provinces) {
      cols[0] = transfers.provinceColumn(provinces, locked);
      idx[0] = transfers.provinceIndex(cols[0], code || (locked ? locked + '0000' : ''));
      return cols[0][idx[0]].code ? self.regions(cols[0][idx[0]].code) : [];
    }).then(function (cities) {
      cols[1] = transfers.column(cities);
      idx[1] = transfers.cityIndex(cols[1], code);
      return cols[1][idx[1]].code ? self.regions(cols[1][idx[1]].code) : [];
    }).then(function (districts) {
      cols[2] = transfers.column(districts);
      idx[2] = transfers.districtIndex(cols[2], code);
      self.setRegionCols(cols, idx, code);
    }).catch(function () { /* 选择器不可用时仍显示已有的值 */ });
  },

  setRegionCols: function (cols, idx, code) {
    var self = this;
    var fields = self.data.fields.map(function (f) {
      if (f.key !== self.data.regionKey) return f;
      var shown = code && transfers.chosenRegion(cols, idx) === code ? transfers.regionName(cols, idx) : code;
      return Object.assign({}, f, { regionText: shown || '' });
    });
    self.setData({ regionCols: cols, regionNames: transfers.regionNames(cols), regionIdx: idx, fields: fields });
  },

  onRegionColumn: function (e) {
    var self = this;
    var column = e.detail.column;
    var value = e.detail.value;
    var cols = self.data.regionCols.slice();
    var idx = self.data.regionIdx.slice();
    idx[column] = value;
    if (column === 2) {
      self.setData({ regionIdx: idx });
      return Promise.resolve();
    }
    for (var i = column + 1; i < 3; i++) idx[i] = 0;
    var parent = cols[column][value].code;
    return (parent ? self.regions(parent) : Promise.resolve([])).then(function (items) {
      cols[column + 1] = transfers.column(items);
      if (column === 0) {
        var city = cols[1][0].code;
        return (city ? self.regions(city) : Promise.resolve([])).then(function (d) { cols[2] = transfers.column(d); });
      }
      return null;
    }).then(function () {
      self.setData({ regionCols: cols, regionNames: transfers.regionNames(cols), regionIdx: idx });
    });
  },

  onRegionChange: function (e) {
    var idx = e.detail.value.map(function (v) { return parseInt(v, 10) || 0; });
    var cols = this.data.regionCols;
    var code = transfers.chosenRegion(cols, idx);
    if (!code) return;
    var locked = this.data.lockedProvince;
    var key = this.data.regionKey;
    if (locked && code.slice(0, 2) !== locked) {
      this.setData({ fields: forms.applyErrors(this.data.fields, kv(key, transfers.PROVINCE_LOCKED)) });
      return;
    }
    var fields = transfers.setValues(this.data.fields, kv(key, code)).map(function (f) {
      return f.key === key ? Object.assign({}, f, { regionText: transfers.regionName(cols, idx) }) : f;
    });
    this.setData({ fields: fields, regionIdx: idx });
  },

  // --- 档案接收单位目录（点击搜索或直接填写，AR-7） ----------------------------------------------------

  openSearch: function () {
    var name = transfers.fieldValue(this.data.fields, 'archive_unit_name');
    this.setData({ search: { open: true, q: name || '', items: [], loading: false, message: '' } });
    return this.runSearch();
  },

  closeSearch: function () { this.setData({ 'search.open': false }); },

  onSearchInput: function (e) { this.setData({ 'search.q': e.detail.value }); },

  runSearch: function () {
    var self = this;
    var q = (self.data.search.q || '').trim();
    var locked = self.data.lockedProvince;
    self.setData({ 'search.loading': true, 'search.message': '' });
    return api.get('/receiving-offices', { q: q, region: locked ? locked + '0000' : '' }).then(function (out) {
      var items = out.items || [];
      self.setData({
        'search.loading': false,
        'search.items': items,
        'search.message': items.length ? '' : '目录中没有找到，可直接填写单位名称和地址'
      });
    }).catch(function (err) {
      self.setData({ 'search.loading': false, 'search.message': err.message });
    });
  },

  pickOffice: function (e) {
    var office = this.data.search.items[e.currentTarget.dataset.index];
    if (!office) return;
    this.setData({
      fields: transfers.setValues(this.data.fields, transfers.officeValues(office)),
      'search.open': false
    });
    return this.initRegion();
  },

  // --- 保存、提交、撤回、撤销 --------------------------------------------------------------------------

  base: function () { return '/transfers/' + this.data.module + '/registrations'; },

  showErrors: function (err) {
    var mapped = forms.mapFieldErrors(err);
    var fields = forms.applyErrors(this.data.fields, mapped.byField);
    var extra = mapped.general.concat(forms.unmatchedErrors(fields, mapped.byField));
    this.setData({ fields: fields, errors: extra, message: err.message });
    if (Object.keys(mapped.byField).length) wx.showToast({ title: '请按提示修改', icon: 'none' });
    else api.showError(err);
  },

  clearErrors: function () {
    this.setData({ fields: forms.applyErrors(this.data.fields, {}), errors: [], message: '' });
  },

  /** 保存（新建或修改）；submit 为 true 时随即提交。保存进行中再调用时等待同一次。 */
  save: function (submit) {
    var self = this;
    if (self.saving) return self.saving;
    var body = { fields: forms.collectValues(self.data.fields) };
    if (submit) body.submit = true;
    var p;
    if (self.data.recordId) {
      // api-values module: archive hukou
      p = api.put('/transfers/' + self.data.module + '/registrations/' + self.data.recordId, body);
    } else {
      body.purpose = self.data.purpose;
      // api-values module: archive hukou
      p = api.post('/transfers/' + self.data.module + '/registrations', body);
    }
    var done = function () { self.saving = null; };
    self.saving = p.then(function (record) {
      self.clearErrors();
      self.applyRecord(record);
      return record;
    });
    self.saving.then(done, done);
    return self.saving;
  },

  act: function (e) {
    var key = e.currentTarget.dataset.key;
    if (this.data.busy) return;
    if (key === 'save') return this.onSave();
    if (key === 'submit') return this.onSubmit();
    if (key === 'withdraw') return this.onWithdraw();
    if (key === 'cancel') return this.onCancel();
  },

  run: function (p, okTitle) {
    var self = this;
    self.setData({ busy: true });
    return p.then(function (res) {
      self.setData({ busy: false });
      if (okTitle) wx.showToast({ title: okTitle, icon: 'success' });
      return res;
    }, function (err) {
      self.setData({ busy: false });
      self.showErrors(err);
      return null;
    });
  },

  onSave: function () {
    return this.run(this.save(false), '已保存');
  },

  onSubmit: function () {
    var self = this;
    var content = '提交后将由院系及学校审核，审核人员处理前可以修改或撤回。确定提交吗？';
    if (self.data.policyHint) content = self.data.policyHint + '\n\n仍要提交吗？';
    wx.showModal({
      title: self.data.record && self.data.record.status === 'pending' ? '提交修改' : '提交审核',
      content: content,
      success: function (r) {
        if (!r.confirm) return;
        self.run(self.save(true), '已提交').then(function (record) {
          if (record) setTimeout(function () { self.backToModule(); }, 600);
        });
      }
    });
  },

  onWithdraw: function () {
    var self = this;
    wx.showModal({
      title: '撤回修改',
      content: '撤回后申请回到未提交状态，可修改后重新提交。确定撤回吗？',
      success: function (r) {
        if (!r.confirm) return;
        // api-values module: archive hukou
        var p = api.post('/transfers/' + self.data.module + '/registrations/' + self.data.recordId + '/withdraw');
        self.run(p, '已撤回').then(function (record) { if (record) self.applyRecord(record); });
      }
    });
  },

  onCancel: function () {
    var self = this;
    wx.showModal({
      title: '撤销',
      content: '撤销后这份未提交的' + self.data.title + '不再保留为草稿（记录中显示为已撤销）。确定撤销吗？',
      success: function (r) {
        if (!r.confirm) return;
        // api-values module: archive hukou
        var p = api.del('/transfers/' + self.data.module + '/registrations/' + self.data.recordId);
        self.run(p, '已撤销').then(function (record) { if (record) self.backToModule(); });
      }
    });
  },

  /** 回到主界面（它在 onShow 时刷新）；不是从主界面进入时用主界面替换本页。 */
  backToModule: function () {
    var pages = getCurrentPages();
    var prev = pages.length > 1 ? pages[pages.length - 2] : null;
    if (prev && prev.route === 'pages/transfer/transfer') {
      wx.navigateBack({ delta: 1 });
      return;
    }
    wx.redirectTo({ url: '/pages/transfer/transfer?module=' + this.data.module });
  },

  // --- 图片（选填，最多 3 张） --------------------------------------------------------------------------

  showImages: function (files) {
    var self = this;
    var images = files.map(function (f) { return { id: f.id, url: f.url, path: '' }; });
    self.setData({ images: images });
    images.forEach(function (img) { self.loadThumb(img.id, img.url); });
  },

  loadThumb: function (id, url) {
    var self = this;
    // api-call: GET /files/{id} (an image's url)
    api.download(url).then(function (path) {
      self.setData({ images: self.data.images.map(function (p) { return p.id === id ? Object.assign({}, p, { path: path }) : p; }) });
    }).catch(function () { /* 缩略图加载失败时显示占位 */ });
  },

  chooseImages: function () {
    var self = this;
    var remaining = forms.proofRemaining(self.data.images.length, { max: self.data.imageMax });
    if (remaining <= 0) {
      wx.showToast({ title: '最多上传 ' + self.data.imageMax + ' 张', icon: 'none' });
      return;
    }
    if (self.data.uploading) return;
    wx.chooseMedia({
      count: remaining,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: function (res) {
        var paths = res.tempFiles.map(function (f) { return f.tempFilePath; }).slice(0, remaining);
        // 上传需要记录编号：新建时先保存草稿
        var ready = self.data.recordId ? Promise.resolve() : self.save(false);
        self.setData({ uploading: true });
        ready.then(function () {
          return forms.compressAll(paths);
        }).then(function (compressed) {
          return self.uploadAll(compressed);
        }).catch(function (err) {
          self.showErrors(err);
        }).then(function () {
          self.setData({ uploading: false });
        });
      }
    });
  },

  uploadAll: function (paths) {
    var self = this;
    var failures = [];
    var chain = Promise.resolve();
    paths.forEach(function (path, i) {
      chain = chain.then(function () {
        wx.showLoading({ title: '上传 ' + (i + 1) + '/' + paths.length, mask: true });
        // api-values module: archive hukou
        return api.upload('/transfers/' + self.data.module + '/registrations/' + self.data.recordId + '/images', path).then(function (file) {
          self.setData({ images: self.data.images.concat([{ id: file.id, url: file.url, path: path }]) });
        }).catch(function (err) {
          failures.push('第 ' + (i + 1) + ' 张：' + err.message);
        });
      });
    });
    return chain.then(function () {
      wx.hideLoading();
      if (failures.length) wx.showModal({ title: '部分图片未上传', content: failures.join('\n'), showCancel: false });
    });
  },

  previewImage: function (e) {
    var urls = this.data.images.filter(function (p) { return p.path; }).map(function (p) { return p.path; });
    var current = this.data.images[e.currentTarget.dataset.index].path;
    if (current) wx.previewImage({ urls: urls, current: current });
  },

  deleteImage: function (e) {
    var self = this;
    var image = self.data.images[e.currentTarget.dataset.index];
    wx.showModal({
      title: '删除图片',
      content: '确定删除这张图片吗？',
      success: function (r) {
        if (!r.confirm) return;
        // api-values module: archive hukou
        api.del('/transfers/' + self.data.module + '/registrations/' + self.data.recordId + '/images/' + image.id).then(function () {
          self.setData({ images: self.data.images.filter(function (p) { return p.id !== image.id; }) });
        }).catch(function (err) { api.showError(err); });
      }
    });
  }
});

function kv(key, value) {
  var o = {};
  o[key] = value;
  return o;
}
