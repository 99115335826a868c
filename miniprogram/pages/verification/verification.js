var api = require('../../utils/api.js');
var va = require('../../utils/verification.js');

/**
 * 核验授权（图43、44）：档案信息核验、户口信息核验各一栏——核验编号（可复制）、有效期至、核验状态；
 * “设置有效期”（日期选择器限于今天至毕业时间后第六个月的最后一天，VA-3）；生效中的核验可查看/下载
 * 去向登记信息表（PDF，VA-4）、提前结束（VA-8）；对应模块没有已确认的信息时说明原因（VA-2）；
 * 未完成去向登记确认时只显示原因（VA-1）；下方为全部核验记录。
 */
Page({
  data: { loading: true, loadError: '', view: null, busy: false, downloading: false },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return api.get('/verifications').then(function (out) {
      self.setData({ loading: false, loadError: '', view: va.pageView(out) });
    }).catch(function (err) {
      self.setData({ loading: false, loadError: err.message });
    });
  },

  mod: function (e) { return this.data.view.modules[e.currentTarget.dataset.index]; },

  /** 日期选择器选定有效期 → 确认 → POST /verifications → 重新加载。 */
  onPickDate: function (e) {
    var self = this;
    var mod = self.mod(e);
    var value = e.detail.value;
    if (self.data.busy || !mod || !mod.available) return Promise.resolve();
    if (!va.inRange(value, self.data.view.today, self.data.view.latest)) {
      wx.showModal({ title: '有效期', content: '有效期应在今天至' + self.data.view.latestText + '之间', showCancel: false });
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      wx.showModal({
        title: mod.actionLabel,
        content: va.setConfirmText(mod, value),
        success: function (r) {
          if (!r.confirm) { resolve(); return; }
          self.setData({ busy: true });
          api.post('/verifications', { module: mod.module, valid_until: value }).then(function () {
            wx.showToast({ title: '已生成核验编号', icon: 'none' });
            return self.load();
          }).catch(function (err) {
            api.showError(err);
            return self.load();
          }).then(function () {
            self.setData({ busy: false });
            resolve();
          });
        }
      });
    });
  },

  copyNumber: function (e) {
    var mod = this.mod(e);
    if (!mod.active) return;
    wx.setClipboardData({
      data: mod.active.number,
      success: function () { wx.showToast({ title: '核验编号已复制', icon: 'success' }); }
    });
  },

  /** 查看/下载去向登记信息表：带令牌 wx.downloadFile 存为 核验编号.pdf，wx.openDocument 打开并可转发。 */
  openPdf: function (e) {
    var self = this;
    var mod = self.mod(e);
    if (!mod.active || self.data.downloading) return Promise.resolve();
    var target = wx.env && wx.env.USER_DATA_PATH ? wx.env.USER_DATA_PATH + '/' + va.pdfFileName(mod.active) : '';
    self.setData({ downloading: true });
    wx.showLoading({ title: '下载中', mask: true });
    // api-call: GET /verifications/{id}/pdf
    return api.download('/api/v1/verifications/' + mod.active.id + '/pdf', target).then(function (path) {
      wx.hideLoading();
      self.setData({ downloading: false });
      wx.openDocument({
        filePath: path,
        fileType: 'pdf',
        showMenu: true,
        fail: function () { wx.showToast({ title: '无法打开信息表', icon: 'none' }); }
      });
    }).catch(function (err) {
      wx.hideLoading();
      self.setData({ downloading: false });
      api.showError(err);
    });
  },

  /** 提前结束（VA-8）：确认后 POST …/close，原编号立即失效。 */
  close: function (e) {
    var self = this;
    var mod = self.mod(e);
    if (!mod.active || !mod.active.canClose || self.data.busy) return Promise.resolve();
    return new Promise(function (resolve) {
      wx.showModal({
        title: '提前结束核验',
        content: va.closeConfirmText(mod),
        confirmText: '提前结束',
        confirmColor: '#c62828',
        success: function (r) {
          if (!r.confirm) { resolve(); return; }
          self.setData({ busy: true });
          api.post('/verifications/' + mod.active.id + '/close').then(function () {
            wx.showToast({ title: '已结束', icon: 'success' });
          }).catch(function (err) {
            api.showError(err);
          }).then(function () {
            return self.load();
          }).then(function () {
            self.setData({ busy: false });
            resolve();
          });
        }
      });
    });
  },

  openConfirmation: function () { wx.navigateTo({ url: '/pages/confirmation/confirmation' }); }
});
