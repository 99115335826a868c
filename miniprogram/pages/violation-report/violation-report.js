var api = require('../../utils/api.js');
var cf = require('../../utils/confirmation.js');

var ROUTE = 'pages/violation-report/violation-report';

/**
 * 违反“四不准”行为举报（CF-6）：四类行为（可多选）、被举报单位或部门、情况说明（n/500）、联系方式（选填）；
 * 举报直接提交平台，不告知学校举报人；下方为本人的举报及处理状态。
 */
Page({
  data: {
    loading: true,
    loadError: '',
    notice: '',
    form: cf.emptyViolation(),
    model: cf.violationModel(null, cf.emptyViolation()),
    reports: [],
    errors: {},
    general: [],
    message: '',
    busy: false
  },

  onLoad: function () {
    this.resumed = api.takeResume(ROUTE);
    this.load();
  },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  stashForm: function () { return { form: this.data.form }; },

  load: function () {
    var self = this;
    return api.get('/violation-reports').then(function (out) {
      self.spec = out;
      var patch = { loading: false, loadError: '', notice: out.notice, reports: cf.reportRows(out.reports) };
      if (self.resumed) {
        patch.form = Object.assign(cf.emptyViolation(), self.resumed.form || {});
        self.resumed = null;
      }
      self.setData(patch);
      self.refreshModel();
    }).catch(function (err) {
      self.setData({ loading: false, loadError: err.message });
    });
  },

  refreshModel: function () {
    this.setData({ model: cf.violationModel(this.spec, this.data.form, this.data.errors) });
  },

  setForm: function (form, key) {
    var errors = Object.assign({}, this.data.errors);
    errors[key] = '';
    this.setData({ form: form, errors: errors });
    this.refreshModel();
  },

  toggleKind: function (e) {
    this.setForm(cf.toggleViolationKind(this.data.form, e.currentTarget.dataset.key), 'kinds');
  },

  onInput: function (e) {
    var key = e.currentTarget.dataset.key;
    var form = Object.assign({}, this.data.form);
    form[key] = e.detail.value;
    this.setForm(form, key);
  },

  submit: function () {
    var self = this;
    if (self.data.busy) return Promise.resolve();
    if (self.data.model.over) {
      self.setData({ message: '情况说明不能超过' + self.spec.description_max + '字' });
      return Promise.resolve();
    }
    self.setData({ busy: true, message: '', general: [] });
    return api.post('/violation-reports', cf.violationBody(self.data.form, self.spec)).then(function () {
      self.setData({ busy: false, form: cf.emptyViolation(), errors: {} });
      wx.showToast({ title: '已提交', icon: 'success' });
      return self.load();
    }).catch(function (err) {
      self.setData({ busy: false });
      if (err.code === 'invalid_fields') {
        var mapped = cf.mapViolationErrors(err);
        self.setData({ errors: mapped.byField, general: mapped.general, message: mapped.message });
        self.refreshModel();
        return;
      }
      api.showError(err);
    });
  }
});
