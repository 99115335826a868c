var api = require('../../utils/api.js');
var cf = require('../../utils/confirmation.js');

var ROUTE = 'pages/confirmation/confirmation';

/**
 * 去向登记确认（图40–42）：学校上报的毕业去向、档案转递、户口迁移信息与上报日期（CF-1）；
 * “信息无误，确认登记去向”（CF-2）或“信息有误，需更新后确认”与图41 的错误信息情况（CF-3）；
 * 已提交有误时“实际信息无误，撤销确认”（CF-4）；上报后信息有变化时等待重新上报（CF-5）；
 * 违反“四不准”行为举报入口（CF-6）。
 */
Page({
  data: {
    loading: true,
    loadError: '',
    view: null,
    /** '' | 'confirm' | 'error'：“请确认您的去向登记信息”的单选 */
    choice: '',
    form: cf.emptyForm(),
    model: cf.errorFormModel(null, cf.emptyForm()),
    errors: {},
    general: [],
    message: '',
    busy: false
  },

  onLoad: function () {
    // 登录失效前未提交的图41 表单：登录后回到本页时恢复
    this.resumed = api.takeResume(ROUTE);
  },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  stashForm: function () { return { choice: this.data.choice, form: this.data.form }; },

  load: function () {
    var self = this;
    return api.get('/confirmation').then(function (out) {
      self.show(out);
    }).catch(function (err) {
      self.setData({ loading: false, loadError: err.message });
    });
  },

  /** 接口返回的页面（GET 或提交后的答复）→ 显示；表单只在可确认时保留。 */
  show: function (out) {
    this.out = out;
    var view = cf.pageView(out);
    var patch = { loading: false, loadError: '', view: view, busy: false };
    if (!view.canAnswer) {
      patch.choice = '';
      patch.form = cf.emptyForm();
      patch.errors = {};
      patch.general = [];
      patch.message = '';
    } else if (this.resumed) {
      patch.choice = this.resumed.choice || '';
      patch.form = Object.assign(cf.emptyForm(), this.resumed.form || {});
      this.resumed = null;
    }
    this.setData(patch);
    this.refreshModel();
  },

  refreshModel: function () {
    this.setData({ model: cf.errorFormModel(this.out && this.out.error_form, this.data.form, this.data.errors) });
  },

  setForm: function (form, clear) {
    var errors = Object.assign({}, this.data.errors);
    (clear || []).forEach(function (k) { errors[k] = ''; });
    this.setData({ form: form, errors: errors });
    this.refreshModel();
  },

  // --- 选择与输入 -----------------------------------------------------------------------------------

  choose: function (e) {
    this.setData({ choice: e.currentTarget.dataset.choice, message: '', general: [] });
  },

  pickDestination: function (e) {
    this.setForm(cf.toggleDestination(this.data.form, e.currentTarget.dataset.value), ['kinds', 'destination', 'destination_explanation']);
  },

  toggleKind: function (e) {
    var key = e.currentTarget.dataset.key;
    this.setForm(cf.toggleKind(this.data.form, key), ['kinds', key + '_explanation']);
  },

  onExplanation: function (e) {
    var key = e.currentTarget.dataset.key;
    var form = Object.assign({}, this.data.form);
    form[key] = e.detail.value;
    this.setForm(form, [key]);
  },

  onMobile: function (e) {
    this.setForm(Object.assign({}, this.data.form, { mobile: e.detail.value }), ['mobile']);
  },

  // --- 提交 -------------------------------------------------------------------------------------------

  submit: function () {
    if (this.data.busy || !this.data.view || !this.data.view.canAnswer) return Promise.resolve();
    if (this.data.choice === 'confirm') return this.confirm();
    if (this.data.choice === 'error') return this.reportError();
    this.setData({ message: '请确认您的去向登记信息：选择“信息无误”或“信息有误”' });
    return Promise.resolve();
  },

  /** CF-2：信息无误，确认登记去向。 */
  confirm: function () {
    var self = this;
    return new Promise(function (resolve) {
      wx.showModal({
        title: '确认登记去向',
        content: '确认以上毕业去向、档案转递、户口迁移信息无误吗？确认后可进行核验授权。',
        success: function (r) {
          if (!r.confirm) { resolve(); return; }
          self.setData({ busy: true, message: '' });
          api.post('/confirmation/confirm', { report_id: self.data.view.report.id }).then(function (out) {
            self.show(out);
            wx.showToast({ title: '已确认', icon: 'success' });
          }).catch(function (err) { self.failed(err); }).then(resolve);
        }
      });
    });
  },

  /** CF-3：信息有误，需更新后确认（图41）。必填与格式由后端判断，错误显示在对应字段下。 */
  reportError: function () {
    var self = this;
    if (self.data.model.anyOver) {
      self.setData({ message: '情况说明不能超过' + self.data.model.max + '字' });
      return Promise.resolve();
    }
    self.setData({ busy: true, message: '', general: [] });
    return api.post('/confirmation/errors', cf.errorBody(self.data.form, self.data.view.report.id)).then(function (out) {
      self.show(out);
      wx.showToast({ title: '已提交', icon: 'success' });
    }).catch(function (err) { self.failed(err); });
  },

  /** CF-4：实际信息无误，撤销确认（图42），之后重新选择“信息无误”提交。 */
  revoke: function () {
    var self = this;
    if (self.data.busy) return Promise.resolve();
    return new Promise(function (resolve) {
      wx.showModal({
        title: '撤销确认',
        content: '撤销已提交的“信息有误”后，请重新选择“信息无误，确认登记去向”提交。确定撤销吗？',
        success: function (r) {
          if (!r.confirm) { resolve(); return; }
          self.setData({ busy: true });
          api.post('/confirmation/revoke').then(function (out) {
            self.show(out);
            self.setData({ choice: 'confirm' });
            wx.showToast({ title: '已撤销', icon: 'success' });
          }).catch(function (err) { self.failed(err); }).then(resolve);
        }
      });
    });
  },

  failed: function (err) {
    var self = this;
    self.setData({ busy: false });
    if (err.code === 'invalid_fields') {
      var mapped = cf.mapErrors(err);
      self.setData({ errors: mapped.byField, general: mapped.general, message: mapped.message });
      self.refreshModel();
      return;
    }
    // 409：学校已重新上报、已确认、信息已变化待重新上报……——说明原因并重新加载
    wx.showModal({ title: '提示', content: err.message, showCancel: false });
    if (err.statusCode === 409) self.load();
  },

  openViolation: function () { wx.navigateTo({ url: '/pages/violation-report/violation-report' }); },

  openVerification: function () { wx.navigateTo({ url: '/pages/verification/verification' }); }
});
