var api = require('../../utils/api.js');

/**
 * 微信登录；首次使用时绑定毕业生（L-8）：
 * - 绑定码（任何身份提供方都可用，上线时的方式）：在网页版（任意浏览器）用学信网账号登录，
 *   点“绑定小程序”得到 6 位绑定码（10 分钟内有效，只能使用一次），在此输入；小程序不经手学信网密码。
 * - 账号密码（仅内置账号，bind_method 为 password 时）。
 * 小程序的 web-view 只能打开已配置的业务域名，学信网的登录页不在其中，所以不在小程序里打开学信网。
 */
Page({
  data: {
    stage: 'loading', // loading | bind | error
    message: '',
    bindTicket: '',
    bindMethod: '',
    bindCodeUrl: '',
    bindCode: '',
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
        api.postAnonymous('/auth/wx-login', { code: res.code }).then(function (out) {
          if (!out.bind_required) {
            api.setToken(out.token, out.expires_at);
            return api.routeAfterLogin();
          }
          self.setData({
            stage: 'bind',
            bindTicket: out.bind_ticket || '',
            bindMethod: out.bind_method || '',
            bindCodeUrl: out.bind_code_url || api.webUrl()
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

  copyBindCodeUrl: function () {
    wx.setClipboardData({
      data: this.data.bindCodeUrl,
      success: function () { wx.showToast({ title: '链接已复制', icon: 'success' }); }
    });
  },

  /** 绑定凭证过期或无效时重新取得；其他错误显示说明。 */
  bindFailed: function (err) {
    this.setData({ submitting: false, message: err.message });
    if (err.code === 'bind_ticket_invalid' || err.code === 'bind_ticket_expired') this.wxLogin();
  },

  bindWithCode: function () {
    var self = this;
    if (self.data.submitting) return;
    var code = (self.data.bindCode || '').replace(/\s/g, '');
    if (!/^\d{6}$/.test(code)) {
      self.setData({ message: '请输入网页版显示的 6 位绑定码' });
      return;
    }
    self.setData({ submitting: true, message: '' });
    api.postAnonymous('/auth/bind-code', { bind_ticket: self.data.bindTicket, code: code }).then(function (out) {
      api.setToken(out.token, out.expires_at);
      return api.routeAfterLogin();
    }).catch(function (err) { self.bindFailed(err); });
  },

  bind: function () {
    var self = this;
    if (self.data.submitting) return;
    var username = self.data.username.trim();
    if (!username || !self.data.password) {
      self.setData({ message: '请填写学信网账号和密码' });
      return;
    }
    self.setData({ submitting: true, message: '' });
    api.postAnonymous('/auth/bind', {
      bind_ticket: self.data.bindTicket,
      username: username,
      password: self.data.password
    }).then(function (out) {
      api.setToken(out.token, out.expires_at);
      return api.routeAfterLogin();
    }).catch(function (err) { self.bindFailed(err); });
  },

  retry: function () {
    this.wxLogin();
  }
});
