var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');
var offline = require('../../utils/offline.js');

/**
 * 图21：向学校申请电子就业协议书（mode=eagreement）或已签协议信息登记（mode=paper）的申请表。
 * 新建：?mode=eagreement|paper；修改：?id=（草稿或被退回时）。字段定义来自 GET /offline-agreements/form。
 */
Page({
  data: {
    loading: true,
    loadError: '',
    recordId: null,
    mode: '',
    title: '',
    fields: [],
    errors: [],
    message: '',
    busy: false
  },

  onLoad: function (query) {
    var resumed = api.takeResume('pages/offline-form/offline-form');
    this.setData({ recordId: query.id ? parseInt(query.id, 10) : null, mode: query.mode || '' });
    if (resumed && resumed.recordId && !this.data.recordId) this.setData({ recordId: resumed.recordId });
    this.load(resumed);
  },

  stashForm: function () {
    return { recordId: this.data.recordId, values: forms.collectValues(this.data.fields || []) };
  },

  load: function (resumed) {
    var self = this;
    self.setData({ loading: true, loadError: '' });
    var recordP = self.data.recordId ? api.get('/offline-agreements/' + self.data.recordId) : Promise.resolve(null);
    return Promise.all([api.get('/offline-agreements/form'), recordP]).then(function (res) {
      var record = res[1];
      var mode = record ? record.mode : self.data.mode;
      if (mode !== 'eagreement' && mode !== 'paper') throw new Error('未指定登记方式');
      var values = record ? record.fields : {};
      if (resumed && resumed.values) values = Object.assign({}, values, resumed.values);
      var model = offline.buildOfflineForm(res[0], values, mode);
      wx.setNavigationBarTitle({ title: (record ? '修改：' : '') + model.title });
      self.setData({ loading: false, mode: mode, title: model.title, fields: model.fields });
    }).catch(function (err) {
      self.setData({ loading: false, loadError: err.message });
    });
  },

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

  showErrors: function (err) {
    var out = offline.applyFormErrors(this.data.fields, err);
    this.setData({ fields: out.fields, errors: out.general, message: err.message });
    if (out.count) wx.showToast({ title: '请按提示修改', icon: 'none' });
    else api.showError(err);
  },

  clearErrors: function () {
    this.setData({ fields: forms.applyErrors(this.data.fields, {}), errors: [], message: '' });
  },

  /**
   * 保存（FS-1：只校验已填写的项）。submit 为 true 时保存后随即提交（校验全部必填项）。
   * 新建时先保存草稿取得编号，再以 PUT … submit:true 提交：提交被拒绝时草稿已在，不会再建第二份。
   */
  save: function (submit) {
    var self = this;
    if (self.saving) return self.saving;
    var values = forms.collectValues(self.data.fields);
    var created = self.data.recordId ? Promise.resolve(null)
      : api.post('/offline-agreements', { mode: self.data.mode, fields: values }).then(function (record) {
        self.setData({ recordId: record.id });
        return record;
      });
    var done = function () { self.saving = null; };
    self.saving = created.then(function (record) {
      if (record && !submit) return record;
      return api.put('/offline-agreements/' + self.data.recordId, { fields: values, submit: !!submit });
    }).then(function (record) {
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
    self.save(false).then(function () {
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
    var paper = self.data.mode === 'paper';
    wx.showModal({
      title: '提交',
      content: paper ? '提交后进入签约审核（须已上传协议书图片），审核人员处理前可以撤回。确定提交吗？'
        : '提交后学校将审核就业协议信息，审核前可以撤回修改。确定提交吗？',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        self.save(true).then(function (record) {
          self.setData({ busy: false });
          wx.showToast({ title: '已提交', icon: 'success' });
          self.showRecord(record.id);
        }).catch(function (err) {
          self.setData({ busy: false });
          self.showErrors(err);
        });
      }
    });
  },

  /** 保存后去详情页（已签协议在详情页上传协议书图片）。 */
  onSaveAndOpen: function () {
    var self = this;
    if (self.data.busy) return;
    self.setData({ busy: true });
    self.save(false).then(function (record) {
      self.setData({ busy: false });
      self.showRecord(record.id);
    }).catch(function (err) {
      self.setData({ busy: false });
      self.showErrors(err);
    });
  },

  showRecord: function (id) {
    var pages = getCurrentPages();
    var prev = pages.length > 1 ? pages[pages.length - 2] : null;
    if (prev && prev.route === 'pages/offline/offline' && prev.data && prev.data.id === id) {
      wx.navigateBack({ delta: 1 });
      return;
    }
    wx.redirectTo({ url: '/pages/offline/offline?id=' + id });
  }
});
