var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');

Page({
  data: { loading: true, message: '', group: '', label: '', kinds: [] },

  onLoad: function (query) {
    var label = query.label ? decodeURIComponent(query.label) : '';
    this.setData({ group: query.group || '', label: label });
    if (label) wx.setNavigationBarTitle({ title: label });
    this.load();
  },

  load: function () {
    var self = this;
    self.setData({ loading: true, message: '' });
    api.get('/destination/kinds').then(function (out) {
      self.setData({ loading: false, kinds: forms.kindsForGroup(out, self.data.group) });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  choose: function (e) {
    var k = this.data.kinds[e.currentTarget.dataset.index];
    if (!k.available) {
      wx.showModal({ title: k.label, content: k.reason || '不能选择该类型', showCancel: false });
      return;
    }
    wx.navigateTo({ url: '/pages/record-form/record-form?subkind=' + k.key });
  }
});
