var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');
var signing = require('../../utils/signing.js');

/** 倒计时刷新间隔（应约截止时间提示按分钟显示）。 */
var TICK_MS = 30 * 1000;

/** 拒绝原因（选填，用人单位可见，ON-12）的字数上限，与后端一致。 */
var DECLINE_REASON_MAX = 200;

function declineState(text, error) {
  var n = signing.charCount(text || '');
  return {
    declineReason: text || '',
    declineCounter: n + '/' + DECLINE_REASON_MAX,
    declineOver: n > DECLINE_REASON_MAX,
    declineError: error || (n > DECLINE_REASON_MAX ? '拒绝原因不能超过' + DECLINE_REASON_MAX + '字' : '')
  };
}

/** POST /agreements/{id}/decline 的请求体：填写了原因时为 {reason}，否则为空对象。 */
function declineBody(text) {
  var reason = (text || '').trim();
  return reason ? { reason: reason } : {};
}

function emptyTermination(max) {
  var v = signing.validateExplanation('', max);
  return {
    open: false,
    reason: '',
    reasonIndex: -1,
    reasonLabel: '',
    explanation: '',
    counterText: v.counterText,
    over: false,
    errors: { reason: '', explanation: '' },
    general: []
  };
}

Page({
  data: {
    loading: true,
    message: '',
    id: null,
    agreement: null,
    history: [],
    actions: [],
    reasonLabels: [],
    term: emptyTermination(),
    busy: false,
    downloading: false,
    canDecline: false,
    declineReason: '',
    declineCounter: '0/' + DECLINE_REASON_MAX,
    declineOver: false,
    declineError: ''
  },

  onLoad: function (query) {
    this.setData({ id: parseInt(query.id, 10) });
    // 登录失效前未提交的拒绝原因、解约申请：登录后回到本页时恢复
    this.resumed = api.takeResume('pages/agreement/agreement');
  },

  /** 登录失效时暂存的未提交输入（见 utils/api.js）。 */
  stashForm: function () {
    var t = this.data.term;
    return {
      declineReason: this.data.declineReason,
      term: t.open ? { open: true, reason: t.reason, explanation: t.explanation } : null
    };
  },

  restoreForm: function (form) {
    if (form.declineReason) this.setData(declineState(form.declineReason));
    if (form.term && forms.canDo(this.raw, 'terminate')) {
      var max = this.data.agreement.explanationMax;
      var reasons = (this.raw && this.raw.termination_reasons) || [];
      var p = signing.reasonPicker(reasons, form.term.reason);
      var v = signing.validateExplanation(form.term.explanation || '', max);
      var t = emptyTermination(max);
      t.open = true;
      t.reason = form.term.reason || '';
      t.reasonIndex = p.index;
      t.reasonLabel = p.label;
      t.explanation = form.term.explanation || '';
      t.counterText = v.counterText;
      t.over = v.over;
      this.setData({ term: t });
    }
  },

  onShow: function () {
    this.load();
    this.startTick();
  },

  onHide: function () { this.stopTick(); },

  onUnload: function () { this.stopTick(); },

  onPullDownRefresh: function () { this.load().then(function () { wx.stopPullDownRefresh(); }); },

  load: function () {
    var self = this;
    return api.get('/agreements/' + self.data.id).then(function (d) { self.show(d); })
      .catch(function (err) { self.setData({ loading: false, message: err.message }); });
  },

  show: function (d) {
    this.raw = d;
    var agreement = signing.decorateAgreement(d, Date.now());
    var actions = signing.agreementActions(d, Date.now());
    var data = {
      loading: false,
      message: '',
      agreement: agreement,
      history: signing.historyView(d.history),
      actions: actions,
      canDecline: actions.some(function (a) { return a.key === 'decline'; }),
      reasonLabels: signing.reasonPicker(d.termination_reasons).labels
    };
    // 不能再申请解约时收起表单；表单打开时保留已填写的内容
    if (!forms.canDo(d, 'terminate') || !this.data.term.open) data.term = emptyTermination(agreement.explanationMax);
    this.setData(data);
    if (this.resumed) {
      var form = this.resumed;
      this.resumed = null;
      this.restoreForm(form);
    }
  },

  // --- 应约截止倒计时 ---------------------------------------------------------------------

  startTick: function () {
    var self = this;
    self.stopTick();
    self.timer = setInterval(function () { self.tick(); }, TICK_MS);
  },

  stopTick: function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  },

  tick: function () {
    var d = this.raw;
    if (!d || d.status !== 'waiting') return;
    var wasAnswerable = this.data.agreement.answerable;
    var agreement = signing.decorateAgreement(d, Date.now());
    var actions = signing.agreementActions(d, Date.now());
    this.setData({
      agreement: agreement,
      actions: actions,
      canDecline: actions.some(function (a) { return a.key === 'decline'; })
    });
    // 截止时间刚过：重新取状态（后端在回应时同样以截止时间为准，ON-3）
    if (wasAnswerable && !agreement.answerable) this.load();
  },

  // --- 接受 / 拒绝 ------------------------------------------------------------------------

  onDeclineReason: function (e) {
    this.setData(declineState(e.detail.value));
  },

  act: function (e) {
    var self = this;
    var action = e.currentTarget.dataset.key;
    var a = self.data.actions.filter(function (x) { return x.key === action; })[0];
    if (!a) return;
    if (action === 'decline' && self.data.declineOver) {
      wx.showToast({ title: '拒绝原因不能超过' + DECLINE_REASON_MAX + '字', icon: 'none' });
      return;
    }
    var body = action === 'decline' ? declineBody(self.data.declineReason) : {};
    wx.showModal({
      title: a.label + '签约邀请',
      content: a.confirm,
      confirmText: a.label,
      confirmColor: a.danger ? '#c62828' : '#1f5fbf',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        // api-values action: decline accept (signing.agreementActions)
        api.post('/agreements/' + self.data.id + '/' + action, body).then(function (d) {
          self.setData(Object.assign({ busy: false }, action === 'decline' ? declineState('') : {}));
          wx.showToast({ title: '已' + a.label, icon: 'success' });
          self.show(d);
        }).catch(function (err) {
          self.setData({ busy: false });
          if (action === 'decline' && err.fields && err.fields.reason) {
            self.setData(declineState(self.data.declineReason, err.fields.reason));
            wx.showToast({ title: '请按提示修改', icon: 'none' });
            return;
          }
          api.showError(err);
          self.load();
        });
      }
    });
  },

  // --- 电子就业协议书 ---------------------------------------------------------------------

  openPdf: function () {
    var self = this;
    var d = self.raw;
    if (!d || !forms.canDo(d, 'pdf') || self.data.downloading) return;
    var url = d.pdf_url || ('/api/v1/agreements/' + d.id + '/pdf');
    var target = wx.env && wx.env.USER_DATA_PATH ? wx.env.USER_DATA_PATH + '/' + signing.pdfFileName(d) : '';
    self.setData({ downloading: true });
    wx.showLoading({ title: '下载中', mask: true });
    // api-call: GET /agreements/{id}/pdf (pdf_url)
    api.download(url, target).then(function (path) {
      wx.hideLoading();
      self.setData({ downloading: false });
      wx.openDocument({
        filePath: path,
        fileType: 'pdf',
        showMenu: true,
        fail: function () { wx.showToast({ title: '无法打开协议书', icon: 'none' }); }
      });
    }).catch(function (err) {
      wx.hideLoading();
      self.setData({ downloading: false });
      // 只有 pdf_pending 表示“正在生成”；not_signed 等其他 409 显示后端的说明
      if (err.code === 'pdf_pending') {
        wx.showToast({ title: '协议书正在生成，请稍后再试', icon: 'none' });
      } else {
        api.showError(err);
      }
    });
  },

  // --- 申请解约（图14） -------------------------------------------------------------------

  openTermination: function () {
    var t = emptyTermination(this.data.agreement.explanationMax);
    t.open = true;
    this.setData({ term: t });
  },

  closeTermination: function () {
    this.setData({ term: emptyTermination(this.data.agreement.explanationMax) });
  },

  onReason: function (e) {
    var reasons = (this.raw && this.raw.termination_reasons) || [];
    var r = reasons[parseInt(e.detail.value, 10)];
    if (!r) return;
    var p = signing.reasonPicker(reasons, r.code);
    this.setData({
      'term.reason': String(r.code),
      'term.reasonIndex': p.index,
      'term.reasonLabel': p.label,
      'term.errors.reason': ''
    });
  },

  onExplanation: function (e) {
    var text = e.detail.value;
    var v = signing.validateExplanation(text, this.data.agreement.explanationMax);
    this.setData({
      'term.explanation': text,
      'term.counterText': v.counterText,
      'term.over': v.over,
      'term.errors.explanation': v.error
    });
  },

  submitTermination: function () {
    var self = this;
    if (self.data.busy) return;
    var term = self.data.term;
    var check = signing.validateTermination(term, self.data.agreement.explanationMax);
    if (!check.ok) {
      self.setData({ 'term.errors': check.errors });
      wx.showToast({ title: '请按提示修改', icon: 'none' });
      return;
    }
    wx.showModal({
      title: '申请解约',
      content: '解约应与用人单位协商一致，提交后等待用人单位回应，并需经院系及学校审核通过后生效。确定提交吗？',
      confirmText: '提交',
      confirmColor: '#c62828',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        api.post('/agreements/' + self.data.id + '/termination', signing.terminationBody(term)).then(function (t) {
          self.setData({ busy: false, term: emptyTermination(self.data.agreement.explanationMax) });
          wx.showToast({ title: '已提交', icon: 'success' });
          setTimeout(function () {
            wx.navigateTo({ url: '/pages/termination/termination?id=' + t.id });
          }, 600);
        }).catch(function (err) {
          self.setData({ busy: false });
          var mapped = signing.mapApiFieldErrors(err, ['reason', 'explanation']);
          if (mapped.byField.reason || mapped.byField.explanation) {
            self.setData({ 'term.errors': mapped.byField, 'term.general': mapped.general });
            wx.showToast({ title: '请按提示修改', icon: 'none' });
          } else {
            api.showError(err);
            self.load();
          }
        });
      }
    });
  },

  openTerminationRecord: function (e) {
    wx.navigateTo({ url: '/pages/termination/termination?id=' + e.currentTarget.dataset.id });
  }
});
