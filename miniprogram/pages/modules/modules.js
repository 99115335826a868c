var api = require('../../utils/api.js');

var PAGES = {
  destination: '/pages/destination/destination',
  archive: '/pages/transfer/transfer?module=archive',
  hukou: '/pages/transfer/transfer?module=hukou',
  confirmation: '/pages/confirmation/confirmation',
  verification: '/pages/verification/verification'
};
var ICONS = { destination: '去', archive: '档', hukou: '户', confirmation: '确', verification: '核' };

Page({
  data: { loading: true, modules: [], message: '' },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return api.get('/modules').then(function (out) {
      if (!out.confirmed) {
        wx.reLaunch({ url: '/pages/basic-info/basic-info' });
        return;
      }
      self.setData({
        loading: false,
        message: '',
        modules: out.modules.map(function (m) {
          return Object.assign({}, m, { icon: ICONS[m.key] || m.name.charAt(0) });
        })
      });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  open: function (e) {
    var m = this.data.modules[e.currentTarget.dataset.index];
    if (!m.available) {
      wx.showModal({ title: m.name, content: m.reason || '该功能暂不可用', showCancel: false });
      return;
    }
    if (!PAGES[m.key]) {
      api.showWebVersion(m.name);
      return;
    }
    wx.navigateTo({ url: PAGES[m.key] });
  },

  logout: function () {
    api.confirmLogout();
  }
});
