var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');

Page({
  data: {
    loading: true,
    loadError: '',
    recordId: null,
    subkind: '',
    model: null,
    fields: [],
    proofs: [],          // [{id, url, path}]
    errors: [],          // 无对应字段的错误信息
    message: '',
    busy: false,
    uploading: false
  },

  onLoad: function (query) {
    // 登录失效前未保存的输入：登录后回到本页时恢复（见 utils/api.js）
    var resumed = api.takeResume('pages/record-form/record-form');
    this.setData({ recordId: query.id ? parseInt(query.id, 10) : null, subkind: query.subkind || '' });
    if (resumed && resumed.recordId && !this.data.recordId) this.setData({ recordId: resumed.recordId });
    this.load(resumed);
  },

  /** 登录失效时暂存的未保存输入：字段值与已保存草稿的编号。 */
  stashForm: function () {
    return { recordId: this.data.recordId, values: this.data.fields ? forms.collectValues(this.data.fields) : {} };
  },

  load: function (resumed) {
    var self = this;
    self.setData({ loading: true, loadError: '' });
    var recordP = self.data.recordId ? api.get('/destination/records/' + self.data.recordId) : Promise.resolve(null);
    Promise.all([api.get('/destination/kinds'), recordP]).then(function (res) {
      var kinds = res[0];
      var record = res[1];
      var subkind = record ? record.subkind : self.data.subkind;
      var kind = forms.findKind(kinds, subkind);
      if (!kind) throw new Error('未找到该毕业去向类型');
      var values = record ? record.fields : {};
      if (resumed && resumed.values) values = Object.assign({}, values, resumed.values);
      var model = forms.buildFormModel(kind, values);
      wx.setNavigationBarTitle({ title: (record ? '修改：' : '') + kind.label });
      self.setData({ loading: false, subkind: subkind, model: model, fields: model.fields });
      if (record) self.showProofs(record.proofs || []);
    }).catch(function (err) {
      self.setData({ loading: false, loadError: err.message });
    });
  },

  // --- 字段输入 -------------------------------------------------------------------------

  onInput: function (e) {
    this.setData({ fields: forms.setFieldValue(this.data.fields, e.currentTarget.dataset.key, e.detail.value) });
  },

  onPick: function (e) {
    var idx = parseInt(e.detail.value, 10);
    this.setData({ fields: forms.setFieldValue(this.data.fields, e.currentTarget.dataset.key, idx) });
  },

  onDate: function (e) {
    this.setData({ fields: forms.setFieldValue(this.data.fields, e.currentTarget.dataset.key, e.detail.value) });
  },

  // --- 保存与提交 -----------------------------------------------------------------------

  showErrors: function (err) {
    var mapped = forms.mapFieldErrors(err);
    var fields = forms.applyErrors(this.data.fields, mapped.byField);
    var extra = mapped.general.concat(forms.unmatchedErrors(fields, mapped.byField));
    this.setData({ fields: fields, errors: extra, message: err.message });
    if (Object.keys(mapped.byField).length) {
      wx.showToast({ title: '请按提示修改', icon: 'none' });
    } else {
      api.showError(err);
    }
  },

  clearErrors: function () {
    this.setData({ fields: forms.applyErrors(this.data.fields, {}), errors: [], message: '' });
  },

  /**
   * 保存草稿（新建或修改）；成功后返回记录。出错时已填写的内容保持不变。
   * 保存进行中再次调用（连点“保存”、保存时又选了图片）时等待同一次保存，不会新建第二份草稿。
   */
  save: function () {
    var self = this;
    if (self.saving) return self.saving;
    var body = { subkind: self.data.subkind, fields: forms.collectValues(self.data.fields) };
    var p = self.data.recordId
      ? api.put('/destination/records/' + self.data.recordId, body)
      : api.post('/destination/records', body);
    var done = function () { self.saving = null; };
    self.saving = p.then(function (record) {
      self.setData({ recordId: record.id });
      self.clearErrors();
      return record;
    });
    self.saving.then(done, done);
    return self.saving;
  },

  onSave: function () {
    var self = this;
    if (self.data.busy) return;
    self.setData({ busy: true });
    self.save().then(function () {
      self.setData({ busy: false });
      wx.showToast({ title: '已保存', icon: 'success' });
    }).catch(function (err) {
      self.setData({ busy: false });
      self.showErrors(err);
    });
  },

  onSubmit: function () {
    var self = this;
    if (self.data.busy) return;
    wx.showModal({
      title: '提交审核',
      content: '提交后将进入审核，审核人员处理前可以撤回。确定提交吗？',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        self.save().then(function (record) {
          return api.post('/destination/records/' + record.id + '/submit');
        }).then(function (record) {
          self.setData({ busy: false });
          wx.showToast({ title: '已提交', icon: 'success' });
          setTimeout(function () { self.showRecord(record.id); }, 600);
        }).catch(function (err) {
          self.setData({ busy: false });
          self.showErrors(err);
        });
      }
    });
  },

  /**
   * 提交后显示登记详情：从该记录的详情页进入（修改）时返回详情页（它在 onShow 时刷新），
   * 否则用本页替换为详情页，不在页面栈里叠出第二个详情页。
   */
  showRecord: function (id) {
    var pages = getCurrentPages();
    var prev = pages.length > 1 ? pages[pages.length - 2] : null;
    if (prev && prev.route === 'pages/record/record' && prev.data && prev.data.id === id) {
      wx.navigateBack({ delta: 1 });
      return;
    }
    wx.redirectTo({ url: '/pages/record/record?id=' + id });
  },

  // --- 证明材料 -------------------------------------------------------------------------

  showProofs: function (files) {
    var self = this;
    var proofs = files.map(function (f) { return { id: f.id, url: f.url, path: '' }; });
    self.setData({ proofs: proofs });
    proofs.forEach(function (p) { self.loadThumb(p.id, p.url); });
  },

  loadThumb: function (id, url) {
    var self = this;
    // api-call: GET /files/{id} (a proof's url)
    api.download(url).then(function (path) {
      var proofs = self.data.proofs.map(function (p) {
        return p.id === id ? Object.assign({}, p, { path: path }) : p;
      });
      self.setData({ proofs: proofs });
    }).catch(function () { /* 缩略图加载失败时显示占位 */ });
  },

  chooseProofs: function () {
    var self = this;
    var remaining = forms.proofRemaining(self.data.proofs.length, self.data.model.proof);
    if (remaining <= 0) {
      wx.showToast({ title: '最多上传 ' + self.data.model.proof.max + ' 张', icon: 'none' });
      return;
    }
    wx.chooseMedia({
      count: remaining,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: function (res) {
        var paths = res.tempFiles.map(function (f) { return f.tempFilePath; });
        if (self.data.uploading) return;
        // 上传需要记录编号：新建时先保存草稿
        var ready = self.data.recordId ? Promise.resolve() : self.save();
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
        return api.upload('/destination/records/' + self.data.recordId + '/proofs', path).then(function (file) {
          self.setData({ proofs: self.data.proofs.concat([{ id: file.id, url: file.url, path: path }]) });
        }).catch(function (err) {
          failures.push('第 ' + (i + 1) + ' 张：' + err.message);
        });
      });
    });
    return chain.then(function () {
      wx.hideLoading();
      if (failures.length) {
        wx.showModal({ title: '部分图片未上传', content: failures.join('\n'), showCancel: false });
      }
    });
  },

  previewProof: function (e) {
    var urls = this.data.proofs.filter(function (p) { return p.path; }).map(function (p) { return p.path; });
    var current = this.data.proofs[e.currentTarget.dataset.index].path;
    if (current) wx.previewImage({ urls: urls, current: current });
  },

  deleteProof: function (e) {
    var self = this;
    var proof = self.data.proofs[e.currentTarget.dataset.index];
    wx.showModal({
      title: '删除图片',
      content: '确定删除这张证明材料吗？',
      success: function (r) {
        if (!r.confirm) return;
        api.del('/destination/records/' + self.data.recordId + '/proofs/' + proof.id).then(function () {
          self.setData({ proofs: self.data.proofs.filter(function (p) { return p.id !== proof.id; }) });
        }).catch(function (err) { api.showError(err); });
      }
    });
  }
});
