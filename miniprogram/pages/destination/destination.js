var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');

Page({
  data: { loading: true, message: '', home: null, current: null, entries: [], records: [] },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return api.get('/destination').then(function (home) {
      self.setData({
        loading: false,
        message: '',
        home: home,
        current: home.current ? Object.assign({}, home.current, { sinceText: forms.formatTime(home.current.since) }) : null,
        entries: home.entries || [],
        records: (home.records || []).map(forms.decorateRecord)
      });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  openEntry: function (e) {
    var entry = this.data.entries[e.currentTarget.dataset.index];
    if (!entry.available) {
      wx.showModal({ title: entry.label, content: entry.reason || '当前不能登记该类型', showCancel: false });
      return;
    }
    if (!entry.subkinds || !entry.subkinds.length) {
      wx.showToast({ title: '小程序暂未开放，请使用网页版', icon: 'none' });
      return;
    }
    wx.navigateTo({
      url: '/pages/kinds/kinds?group=' + entry.key + '&label=' + encodeURIComponent(entry.label)
    });
  },

  openRecord: function (e) {
    wx.navigateTo({ url: '/pages/record/record?id=' + e.currentTarget.dataset.id });
  }
});
