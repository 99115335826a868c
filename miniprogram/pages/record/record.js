var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');

Page({
  data: { loading: true, message: '', id: null, record: null, history: [], actions: [], proofs: [], busy: false },

  onLoad: function (query) { this.setData({ id: parseInt(query.id, 10) }); },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () { this.load().then(function () { wx.stopPullDownRefresh(); }); },

  load: function () {
    var self = this;
    return api.get('/destination/records/' + self.data.id).then(function (r) { self.show(r); })
      .catch(function (err) { self.setData({ loading: false, message: err.message }); });
  },

  show: function (r) {
    var self = this;
    var labels = {};
    (r.rows || []).forEach(function (row) { labels[row.key] = row.label; });
    labels.subkind = '去向类型';
    var record = forms.decorateRecord(r);
    self.setData({
      loading: false,
      message: '',
      record: record,
      history: forms.decorateHistory(r.history, labels).reverse(),
      actions: forms.recordActions(r),
      proofs: (r.proofs || []).map(function (f) { return { id: f.id, url: f.url, path: '' }; })
    });
    self.data.proofs.forEach(function (p, i) {
      // api-call: GET /files/{id} (a proof's url)
      api.download(p.url).then(function (path) {
        var d = {};
        d['proofs[' + i + '].path'] = path;
        self.setData(d);
      }).catch(function () {});
    });
  },

  preview: function (e) {
    var urls = this.data.proofs.filter(function (p) { return p.path; }).map(function (p) { return p.path; });
    var current = this.data.proofs[e.currentTarget.dataset.index].path;
    if (current) wx.previewImage({ urls: urls, current: current });
  },

  act: function (e) {
    var self = this;
    var action = e.currentTarget.dataset.key;
    if (!forms.canDo(self.data.record, action)) return;
    if (action === 'edit') {
      wx.navigateTo({ url: '/pages/record-form/record-form?id=' + self.data.id });
      return;
    }
    var a = self.data.actions.filter(function (x) { return x.key === action; })[0];
    wx.showModal({
      title: a.label,
      content: a.confirm,
      confirmColor: a.danger ? '#c62828' : '#1f5fbf',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        // api-values action: submit withdraw void (forms.recordActions; edit opens the form)
        api.post('/destination/records/' + self.data.id + '/' + action).then(function (rec) {
          self.setData({ busy: false });
          wx.showToast({ title: '已' + a.label, icon: 'success' });
          self.show(rec);
        }).catch(function (err) {
          self.setData({ busy: false });
          api.showError(err);
          self.load();
        });
      }
    });
  }
});
