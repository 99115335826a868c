// 学信网 web-view 登录完成页跳转到此页：/pages/login/exchange?code=…（60 秒内有效，只能使用一次）
var api = require('../../utils/api.js');

Page({
  data: { code: '', message: '', submitting: false },

  onLoad: function (query) {
    var code = query.code ? decodeURIComponent(query.code) : '';
    this.setData({ code: code });
    if (code) this.exchange();
  },

  onInput: function (e) {
    this.setData({ code: e.detail.value });
  },

  exchange: function () {
    var self = this;
    var code = self.data.code.trim();
    if (!code) {
      self.setData({ message: '请输入登录码' });
      return;
    }
    self.setData({ submitting: true, message: '' });
    api.post('/auth/exchange', { code: code }).then(function (out) {
      api.setToken(out.token);
      return api.routeAfterLogin();
    }).catch(function (err) {
      self.setData({ submitting: false, message: err.message });
    });
  },

  restart: function () {
    wx.reLaunch({ url: '/pages/login/login' });
  }
});
