var api = require('../../utils/api.js');

Page({
  data: {
    stage: 'loading', // loading | bind | cas | error
    message: '',
    bindTicket: '',
    bindUrl: '',
    username: '',
    password: '',
    submitting: false
  },

  onLoad: function () {
    if (api.getToken()) {
      api.routeAfterLogin().catch(function () { this.wxLogin(); }.bind(this));
    } else {
      this.wxLogin();
    }
  },

  wxLogin: function () {
    var self = this;
    self.setData({ stage: 'loading', message: '' });
    wx.login({
      success: function (res) {
        api.post('/auth/wx-login', { code: res.code }).then(function (out) {
          if (!out.bind_required) {
            api.setToken(out.token);
            return api.routeAfterLogin();
          }
          self.setData({
            stage: out.bind_method === 'cas' ? 'cas' : 'bind',
            bindTicket: out.bind_ticket || '',
            bindUrl: out.bind_url || ''
          });
        }).catch(function (err) {
          self.setData({ stage: 'error', message: err.message });
        });
      },
      fail: function () {
        self.setData({ stage: 'error', message: '微信登录失败，请稍后重试' });
      }
    });
  },

  onInput: function (e) {
    var d = {};
    d[e.currentTarget.dataset.key] = e.detail.value;
    this.setData(d);
  },

  bind: function () {
    var self = this;
    var username = self.data.username.trim();
    if (!username || !self.data.password) {
      self.setData({ message: '请填写学信网账号和密码' });
      return;
    }
    self.setData({ submitting: true, message: '' });
    api.post('/auth/bind', {
      bind_ticket: self.data.bindTicket,
      username: username,
      password: self.data.password
    }).then(function (out) {
      api.setToken(out.token);
      return api.routeAfterLogin();
    }).catch(function (err) {
      // 绑定凭证过期时重新取得
      if (err.code === 'bind_ticket_invalid' || err.code === 'bind_ticket_expired' || err.code === 'bind_method_cas') {
        self.setData({ submitting: false, message: err.message });
        self.wxLogin();
        return;
      }
      self.setData({ submitting: false, message: err.message });
    });
  },

  openCas: function () {
    wx.navigateTo({ url: '/pages/webview/webview?url=' + encodeURIComponent(this.data.bindUrl) });
  },

  retry: function () {
    this.wxLogin();
  }
});
