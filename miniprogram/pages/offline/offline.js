var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');
var offline = require('../../utils/offline.js');
var signing = require('../../utils/signing.js');

var CONFIRMS = {
  submit: { title: '提交审核', content: '提交后进入审核，审核人员处理前可以撤回。确定提交吗？', done: '已提交' },
  withdraw: { title: '撤回修改', content: '撤回后可以修改后重新提交。确定撤回吗？', done: '已撤回' },
  'submit-pages': { title: '本人回传协议书', content: '提交盖章后的协议书进入签约审核，用人单位的回传链接随即失效。确定提交吗？', done: '已提交' },
  'employer-link': { title: '用人单位协助回传', content: '系统将向协议中的单位联系人手机发送短信链接，单位可下载协议书并上传盖章页，链接7天内有效。确定发送吗？', done: '已发送' }
};

/** 线下签约详情：状态、协议信息、协议书下载、盖章页回传、协助回传短信、办理记录、解约。 */
Page({
  data: {
    id: null,
    loading: true,
    message: '',
    d: null,
    pages: [],
    busy: false,
    uploading: false,
    downloading: false
  },

  onLoad: function (query) {
    this.setData({ id: parseInt(query.id, 10) });
  },

  onShow: function () {
    this.load();
  },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return api.get('/offline-agreements/' + self.data.id).then(function (body) {
      self.show(body);
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  show: function (body) {
    var d = offline.decorateOffline(body);
    var old = {};
    this.data.pages.forEach(function (p) { if (p.path) old[p.id] = p.path; });
    var pages = offline.pagesView(body.pages).map(function (p) { return Object.assign(p, { path: old[p.id] || '' }); });
    wx.setNavigationBarTitle({ title: body.mode === 'paper' ? '已签协议登记' : '电子就业协议书' });
    this.setData({ loading: false, message: '', d: d, pages: pages });
    var self = this;
    pages.forEach(function (p) { if (!p.path) self.loadThumb(p.id, p.url); });
  },

  loadThumb: function (id, url) {
    var self = this;
    // api-call: GET /files/{id} (a page's url)
    api.download(url).then(function (path) {
      self.setData({ pages: self.data.pages.map(function (p) { return p.id === id ? Object.assign({}, p, { path: path }) : p; }) });
    }).catch(function () { /* 缩略图加载失败时显示占位 */ });
  },

  act: function (e) {
    var key = e.currentTarget.dataset.key;
    var d = this.data.d;
    if (this.data.busy || !d) return;
    if (key === 'edit') wx.navigateTo({ url: '/pages/offline-form/offline-form?id=' + d.id });
    else if (key === 'submit') this.post('submit');
    else if (key === 'withdraw') this.post('withdraw');
    else if (key === 'submit_pages') this.post('submit-pages');
    else if (key === 'employer_link' || key === 'resend') this.post('employer-link');
    else if (key === 'pdf') this.openPdf(false);
    else if (key === 'signed_pdf') this.openPdf(true);
    else if (key === 'refresh') this.load();
    else if (key === 'terminate') wx.navigateTo({ url: '/pages/offline-termination/offline-termination?agreement=' + d.id });
    else if (key === 'termination') wx.navigateTo({ url: '/pages/offline-termination/offline-termination?id=' + d.open_termination_id });
  },

  /** 提交 / 撤回修改 / 本人回传 / 用人单位协助回传（确认后）。 */
  post: function (action) {
    var self = this;
    var c = CONFIRMS[action];
    wx.showModal({
      title: c.title,
      content: c.content,
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        self.request(action).then(function (body) {
          self.setData({ busy: false });
          self.show(body);
          wx.showToast({ title: c.done, icon: 'success' });
        }).catch(function (err) {
          self.setData({ busy: false });
          api.showError(err);
        });
      }
    });
  },

  request: function (action) {
    var id = this.data.id;
    if (action === 'submit-pages') return api.post('/offline-agreements/' + id + '/submit-pages');
    if (action === 'employer-link') return api.post('/offline-agreements/' + id + '/employer-link');
    // api-values action: submit withdraw
    return api.post('/offline-agreements/' + id + '/' + action);
  },

  /** 下载并打开协议书（FS-3）；正在生成（pdf_pending）时说明并可重试。 */
  openPdf: function (signed) {
    var self = this;
    var d = self.data.d;
    if (self.data.downloading) return;
    var url = signed ? d.signed_pdf_url : d.pdf_url;
    var name = signing.pdfFileName(d).replace(/\.pdf$/, signed ? '-signed.pdf' : '.pdf');
    var target = wx.env && wx.env.USER_DATA_PATH ? wx.env.USER_DATA_PATH + '/' + name : '';
    self.setData({ downloading: true });
    wx.showLoading({ title: '下载中', mask: true });
    // api-call: GET /offline-agreements/{id}/pdf (pdf_url)
    // api-call: GET /offline-agreements/{id}/signed-pdf (signed_pdf_url)
    api.download(url, target).then(function (path) {
      wx.hideLoading();
      self.setData({ downloading: false });
      wx.openDocument({ filePath: path, fileType: 'pdf', showMenu: true });
    }).catch(function (err) {
      wx.hideLoading();
      self.setData({ downloading: false });
      if (err.code === 'pdf_pending') {
        wx.showModal({
          title: '协议书正在生成',
          content: err.message,
          confirmText: '重试',
          success: function (r) { if (r.confirm) self.openPdf(signed); }
        });
      } else {
        api.showError(err);
      }
    });
  },

  // --- 盖章页 / 协议书图片 ---------------------------------------------------------------------

  choosePages: function () {
    var self = this;
    var d = self.data.d;
    var spec = d.page_requirement || { max: 12 };
    var remaining = forms.proofRemaining(self.data.pages.length, spec);
    if (self.data.uploading) return;
    if (remaining <= 0) {
      wx.showToast({ title: '最多上传 ' + spec.max + ' 张', icon: 'none' });
      return;
    }
    wx.chooseMedia({
      count: remaining,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: function (res) {
        var paths = res.tempFiles.map(function (f) { return f.tempFilePath; });
        self.setData({ uploading: true });
        forms.compressAll(paths).then(function (compressed) {
          return self.uploadAll(compressed);
        }).then(function () {
          self.setData({ uploading: false });
          return self.load();
        });
      }
    });
  },

  setPage: function (key, patch) {
    this.setData({ pages: this.data.pages.map(function (p) { return p.key === key || p.id === key ? Object.assign({}, p, patch) : p; }) });
  },

  /** 逐张上传，每张显示进度；被拒绝的（如另一份协议的页面，FS-10）标出原因。 */
  uploadAll: function (paths) {
    var self = this;
    var failures = [];
    var chain = Promise.resolve();
    paths.forEach(function (path, i) {
      var key = 'up-' + Date.now() + '-' + i;
      self.setData({ pages: self.data.pages.concat([{ id: key, key: key, url: '', path: path, note: '等待上传', ok: false, progress: 0, uploading: true }]) });
      chain = chain.then(function () {
        return api.upload('/offline-agreements/' + self.data.id + '/pages', path, function (progress) {
          self.setPage(key, { progress: progress, note: '上传中 ' + progress + '%' });
        }).then(function (file) {
          self.setPage(key, { id: file.id, key: '', url: file.url, uploading: false, progress: 100, note: '' });
        }).catch(function (err) {
          failures.push('第 ' + (i + 1) + ' 张：' + err.message);
          self.setData({ pages: self.data.pages.filter(function (p) { return p.key !== key; }) });
        });
      });
    });
    return chain.then(function () {
      if (failures.length) wx.showModal({ title: '部分图片未上传', content: failures.join('\n'), showCancel: false });
    });
  },

  preview: function (e) {
    var urls = this.data.pages.filter(function (p) { return p.path; }).map(function (p) { return p.path; });
    var current = this.data.pages[e.currentTarget.dataset.index].path;
    if (current) wx.previewImage({ urls: urls, current: current });
  },

  /** 提交前（或撤回后）删除一张图片（FS-6）。 */
  deletePage: function (e) {
    var self = this;
    var page = self.data.pages[e.currentTarget.dataset.index];
    if (!page || page.uploading) return;
    wx.showModal({
      title: '删除图片',
      content: '确定删除这张图片吗？',
      success: function (r) {
        if (!r.confirm) return;
        api.del('/offline-agreements/' + self.data.id + '/pages/' + page.id).then(function () {
          return self.load();
        }).catch(function (err) { api.showError(err); });
      }
    });
  },

  openTermination: function (e) {
    var t = this.data.d.terminations[e.currentTarget.dataset.index];
    if (t) wx.navigateTo({ url: '/pages/offline-termination/offline-termination?id=' + t.id });
  }
});
