var api = require('../../utils/api.js');
var forms = require('../../utils/forms.js');
var offline = require('../../utils/offline.js');
var signing = require('../../utils/signing.js');

/**
 * 线下解约（图27、28）：解约原因（必选）、解约说明（选填，不超过200字）、单位盖章的解约函（必传）、提交；
 * 审核前撤回，未提交时撤销，被退回后修改重新提交。
 * 新建：?agreement=<线下签约编号>；查看/修改：?id=<解约申请编号>。
 */
Page({
  data: {
    id: null,
    agreementId: null,
    loading: true,
    message: '',
    t: null,
    reasons: [],
    reasonLabels: [],
    reasonIndex: -1,
    reason: '',
    explanation: '',
    counterText: '0/200',
    explanationMax: 200,
    errors: { reason: '', explanation: '', files: '' },
    general: [],
    files: [],
    busy: false,
    uploading: false
  },

  onLoad: function (query) {
    this.setData({
      id: query.id ? parseInt(query.id, 10) : null,
      agreementId: query.agreement ? parseInt(query.agreement, 10) : null
    });
    this.load();
  },

  load: function () {
    var self = this;
    var rowP = self.data.id ? api.get('/offline-terminations/' + self.data.id) : Promise.resolve(null);
    return Promise.all([api.get('/offline-agreements/form'), rowP]).then(function (res) {
      var form = res[0];
      var row = res[1];
      self.setData({ reasons: form.termination_reasons, explanationMax: form.explanation_max || 200 });
      if (row) self.show(row);
      else self.setForm('', '');
      self.setData({ loading: false, message: '' });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  show: function (row) {
    var t = offline.decorateOfflineTermination(row);
    var old = {};
    this.data.files.forEach(function (f) { if (f.path) old[f.id] = f.path; });
    var files = (row.files || []).map(function (f) { return { id: f.id, url: f.url, path: old[f.id] || '' }; });
    this.setData({ t: t, id: row.id, agreementId: row.agreement_id, files: files });
    this.setForm(row.reason || '', row.explanation || '');
    var self = this;
    files.forEach(function (f) { if (!f.path) self.loadThumb(f.id, f.url); });
  },

  setForm: function (reason, explanation) {
    var picker = signing.reasonPicker(this.data.reasons, reason);
    var check = signing.validateExplanation(explanation, this.data.explanationMax);
    this.setData({ reason: reason, reasonLabels: picker.labels, reasonIndex: picker.index, explanation: explanation,
                   counterText: check.counterText });
  },

  loadThumb: function (id, url) {
    var self = this;
    // api-call: GET /files/{id} (a letter's url)
    api.download(url).then(function (path) {
      self.setData({ files: self.data.files.map(function (f) { return f.id === id ? Object.assign({}, f, { path: path }) : f; }) });
    }).catch(function () {});
  },

  editable: function () {
    return !this.data.t || this.data.t.editable;
  },

  onReason: function (e) {
    var i = parseInt(e.detail.value, 10);
    var r = this.data.reasons[i];
    this.setData({ errors: Object.assign({}, this.data.errors, { reason: '' }) });
    this.setForm(r ? String(r.code) : '', this.data.explanation);
  },

  onExplanation: function (e) {
    var check = signing.validateExplanation(e.detail.value, this.data.explanationMax);
    this.setData({ explanation: e.detail.value, counterText: check.counterText,
                   errors: Object.assign({}, this.data.errors, { explanation: check.error }) });
  },

  showErrors: function (err) {
    var mapped = signing.mapApiFieldErrors(err, ['reason', 'explanation', 'proofs']);
    this.setData({
      errors: { reason: mapped.byField.reason, explanation: mapped.byField.explanation, files: mapped.byField.proofs },
      general: mapped.general
    });
    api.showError(err);
  },

  /** 保存（新建或修改）；submit 为 true 时随即提交。 */
  save: function (submit) {
    var self = this;
    var body = signing.terminationBody({ reason: self.data.reason, explanation: self.data.explanation });
    if (self.data.id) {
      body.submit = !!submit;
      return api.put('/offline-terminations/' + self.data.id, body);
    }
    return api.post('/offline-agreements/' + self.data.agreementId + '/termination', body).then(function (row) {
      self.setData({ id: row.id });
      return submit ? api.post('/offline-terminations/' + row.id + '/submit') : row;
    });
  },

  onSubmit: function () {
    var self = this;
    if (self.data.busy) return;
    var v = signing.validateTermination({ reason: self.data.reason, explanation: self.data.explanation }, self.data.explanationMax);
    var files = self.data.files.length ? '' : '请上传单位盖章的解约函';
    self.setData({ errors: { reason: v.errors.reason, explanation: v.errors.explanation, files: files } });
    if (!v.ok || files) {
      wx.showToast({ title: '请按提示修改', icon: 'none' });
      return;
    }
    wx.showModal({
      title: '提交解约申请',
      content: '提交后由院系及学校与用人单位核实后审核，审核通过后协议失效。确定提交吗？',
      success: function (r) {
        if (!r.confirm) return;
        self.setData({ busy: true });
        self.save(true).then(function (row) {
          self.setData({ busy: false, general: [] });
          self.show(row);
          wx.showToast({ title: '已提交', icon: 'success' });
        }).catch(function (err) {
          self.setData({ busy: false });
          self.showErrors(err);
        });
      }
    });
  },

  chooseLetter: function () {
    var self = this;
    if (self.data.uploading) return;
    var v = signing.validateTermination({ reason: self.data.reason, explanation: self.data.explanation }, self.data.explanationMax);
    if (!self.data.id && !v.ok) {
      // 上传需要先保存申请，而保存需要解约原因
      self.setData({ errors: Object.assign({}, self.data.errors, v.errors) });
      wx.showToast({ title: '请先选择解约原因', icon: 'none' });
      return;
    }
    wx.chooseMedia({
      count: 9,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      success: function (res) {
        var paths = res.tempFiles.map(function (f) { return f.tempFilePath; });
        self.setData({ uploading: true });
        var ready = self.data.id ? Promise.resolve() : self.save(false).then(function (row) { self.show(row); });
        ready.then(function () {
          return forms.compressAll(paths);
        }).then(function (compressed) {
          return self.uploadAll(compressed);
        }).catch(function (err) {
          self.showErrors(err);
        }).then(function () {
          self.setData({ uploading: false });
        });
      }
    });
  },

  uploadAll: function (paths) {
    var self = this;
    var chain = Promise.resolve();
    paths.forEach(function (path, i) {
      chain = chain.then(function () {
        wx.showLoading({ title: '上传 ' + (i + 1) + '/' + paths.length, mask: true });
        return api.upload('/offline-terminations/' + self.data.id + '/files', path, function (p) {
          wx.showLoading({ title: '上传 ' + (i + 1) + '/' + paths.length + ' ' + p + '%', mask: true });
        }).then(function (file) {
          self.setData({ files: self.data.files.concat([{ id: file.id, url: file.url, path: path }]),
                         errors: Object.assign({}, self.data.errors, { files: '' }) });
        });
      });
    });
    return chain.then(function () { wx.hideLoading(); }, function (err) { wx.hideLoading(); throw err; });
  },

  deleteLetter: function (e) {
    var self = this;
    var f = self.data.files[e.currentTarget.dataset.index];
    wx.showModal({
      title: '删除图片',
      content: '确定删除这张解约函图片吗？',
      success: function (r) {
        if (!r.confirm) return;
        api.del('/offline-terminations/' + self.data.id + '/files/' + f.id).then(function () {
          self.setData({ files: self.data.files.filter(function (x) { return x.id !== f.id; }) });
        }).catch(function (err) { api.showError(err); });
      }
    });
  },

  preview: function (e) {
    var urls = this.data.files.filter(function (f) { return f.path; }).map(function (f) { return f.path; });
    var current = this.data.files[e.currentTarget.dataset.index].path;
    if (current) wx.previewImage({ urls: urls, current: current });
  },

  onWithdraw: function () {
    var self = this;
    wx.showModal({
      title: '撤回解约申请',
      content: '撤回后可以修改后重新提交。确定撤回吗？',
      success: function (r) {
        if (!r.confirm) return;
        api.post('/offline-terminations/' + self.data.id + '/withdraw').then(function (row) {
          self.show(row);
          wx.showToast({ title: '已撤回', icon: 'success' });
        }).catch(function (err) { api.showError(err); });
      }
    });
  },

  onDelete: function () {
    var self = this;
    wx.showModal({
      title: '撤销解约申请',
      content: '撤销后该解约申请不再办理（记录保留），签约仍有效。确定撤销吗？',
      success: function (r) {
        if (!r.confirm) return;
        api.del('/offline-terminations/' + self.data.id).then(function () {
          wx.showToast({ title: '已撤销', icon: 'success' });
          wx.navigateBack({ delta: 1 });
        }).catch(function (err) { api.showError(err); });
      }
    });
  }
});
