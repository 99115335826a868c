var api = require('../../utils/api.js');

Page({
  data: { loading: true, me: null, message: '', confirming: false },

  onLoad: function () { this.load(); },

  load: function () {
    var self = this;
    self.setData({ loading: true, message: '' });
    api.get('/me').then(function (me) {
      if (me.confirmed) {
        wx.reLaunch({ url: '/pages/modules/modules' });
        return;
      }
      self.setData({ loading: false, me: me });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  confirm: function () {
    var self = this;
    self.setData({ confirming: true });
    api.post('/me/confirm').then(function () {
      wx.reLaunch({ url: '/pages/modules/modules' });
    }).catch(function (err) {
      self.setData({ confirming: false });
      api.showError(err);
    });
  },

  logout: function () {
    api.confirmLogout();
  }
});
