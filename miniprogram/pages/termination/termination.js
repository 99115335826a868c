var api = require('../../utils/api.js');
var signing = require('../../utils/signing.js');

Page({
  data: { loading: true, message: '', id: null, termination: null, history: [], actions: [], busy: false },

  onLoad: function (query) { this.setData({ id: parseInt(query.id, 10) }); },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () { this.load().then(function () { wx.stopPullDownRefresh(); }); },

  load: function () {
    var self = this;
    return api.get('/terminations/' + self.data.id).then(function (t) { self.show(t); })
      .catch(function (err) { self.setData({ loading: false, message: err.message }); });
  },

  show: function (t) {
    this.setData({
      loading: false,
      message: '',
      termination: signing.decorateTermination(t),
      history: signing.historyView(t.history),
      actions: signing.terminationActions(t)
    });
  },

  openAgreement: function () {
    var t = this.data.termination;
    // 从协议详情进入时直接返回，避免页面层层叠加
    var pages = getCurrentPages();
    var prev = pages.length > 1 ? pages[pages.length - 2] : null;
    if (prev && prev.route === 'pages/agreement/agreement' && prev.data && prev.data.id === t.agreement_id) {
      wx.navigateBack();
      return;
    }
    wx.navigateTo({ url: '/pages/agreement/agreement?id=' + t.agreement_id });
  },

  act: function (e) {
    var self = this;
    var action = e.currentTarget.dataset.key;
    var a = self.data.actions.filter(function (x) { return x.key === action; })[0];
    if (!a) return;
    wx.showModal({
      title: a.label,
      content: a.confirm,
      confirmText: a.label.length <= 4 ? a.label : '确定',
      confirmColor: a.danger ? '#c62828' : '#1f5fbf',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        // api-values action: decline accept cancel (signing.terminationActions)
        api.post('/terminations/' + self.data.id + '/' + action).then(function (t) {
          self.setData({ busy: false });
          wx.showToast({ title: action === 'cancel' ? '已撤销' : (action === 'accept' ? '已同意' : '已拒绝'), icon: 'success' });
          self.show(t);
        }).catch(function (err) {
          self.setData({ busy: false });
          api.showError(err);
          self.load();
        });
      }
    });
  }
});
