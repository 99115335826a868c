var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');
var signing = require('../../utils/signing.js');

Page({
  data: { templateIds: [], loading: true, message: '', home: null, current: null, entries: [], records: [], pending: 0 },

  onShow: function () {
    this.load();
    this.loadTemplates();
  },

  // MS-1: WeChat delivers a subscribe message only after the user agreed, on a tap.
  loadTemplates: function () {
    var self = this;
    api.get('/me/message-templates').then(function (body) {
      self.setData({ templateIds: body.template_ids || [] });
    }).catch(function () { self.setData({ templateIds: [] }); });
  },

  subscribe: function () {
    var ids = this.data.templateIds;
    if (!ids || !ids.length || !wx.requestSubscribeMessage) return;
    var asked = ids.slice(0, 3);
    wx.requestSubscribeMessage({
      tmplIds: asked,
      success: function (res) {
        // 结果按模板给出：只有 'accept' 算同意（'reject'、'ban'、'filter' 都不会收到提醒）
        var accepted = signing.acceptedTemplates(res, asked);
        if (!accepted.length) wx.showToast({ title: '未开启消息提醒', icon: 'none' });
        else if (accepted.length < asked.length) wx.showToast({ title: '已开启部分消息提醒', icon: 'none' });
        else wx.showToast({ title: '已开启消息提醒', icon: 'success' });
      },
      fail: function () { wx.showToast({ title: '未开启消息提醒', icon: 'none' }); }
    });
  },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return api.get('/destination').then(function (home) {
      var now = Date.now();
      var pending = signing.pendingAnswers(home.records, now);
      self.setData({
        loading: false,
        message: '',
        home: home,
        current: home.current ? Object.assign({}, home.current, { sinceText: forms.formatTime(home.current.since) }) : null,
        entries: (home.entries || []).map(function (e) { return signing.decorateHomeEntry(e, home.directed, pending); }),
        records: (home.records || []).map(function (r) { return signing.decorateEntry(r, now); }),
        pending: pending
      });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  openEntry: function (e) {
    var entry = this.data.entries[e.currentTarget.dataset.index];
    if (entry.modes && entry.modes.length) return;  // 由下方的方式按钮打开（openMode）
    if (entry.info) {
      wx.showModal({ title: entry.label, content: entry.tapMessage, showCancel: false });
      return;
    }
    if (!entry.available) {
      wx.showModal({ title: entry.label, content: entry.reason || '当前不能登记该类型', showCancel: false });
      return;
    }
    if (!entry.subkinds || !entry.subkinds.length) {
      api.showWebVersion(entry.label);
      return;
    }
    wx.navigateTo({
      url: '/pages/kinds/kinds?group=' + entry.key + '&label=' + encodeURIComponent(entry.label)
    });
  },

  /** “签就业协议书就业”下的线下签约方式：打开图21 申请表（mode=eagreement|paper）。 */
  openMode: function (e) {
    var entry = this.data.entries[e.currentTarget.dataset.index];
    var mode = entry && entry.modes[e.currentTarget.dataset.mode];
    if (!mode) return;
    if (!mode.available) {
      wx.showModal({ title: mode.label, content: mode.reason || '当前不能登记', showCancel: false });
      return;
    }
    wx.navigateTo({ url: '/pages/offline-form/offline-form?mode=' + mode.key });
  },

  /** 按条目类型打开详情：其他去向登记 → 登记详情，签约邀请/协议 → 签约详情，解约申请 → 解约详情。 */
  openRecord: function (e) {
    var r = this.data.records[e.currentTarget.dataset.index];
    if (!r) return;
    wx.navigateTo({ url: signing.entryUrl(r) });
  }
});
