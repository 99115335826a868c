var api = require('../../utils/api.js');
var transfers = require('../../utils/transfers.js');

/**
 * 档案信息登记 / 户口信息登记的主界面（?module=archive|hukou，图31、图33–35）：当前信息及来源、
 * 未完成的登记及其状态、登记记录、“档案信息登记”或“档案信息修改”按钮、档案寄出情况。
 */
Page({
  data: { module: '', loading: true, message: '', view: null },

  onLoad: function (query) {
    var module = transfers.isModule(query.module) ? query.module : '';
    this.setData({ module: module });
    if (module) wx.setNavigationBarTitle({ title: transfers.moduleLabel(module) + '信息登记' });
  },

  onShow: function () { this.load(); },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    if (!self.data.module) {
      self.setData({ loading: false, message: '没有该功能模块' });
      return Promise.resolve();
    }
    // api-values module: archive hukou
    return api.get('/transfers/' + self.data.module).then(function (out) {
      self.setData({ loading: false, message: '', view: transfers.modulePage(out) });
    }).catch(function (err) {
      self.setData({ loading: false, message: err.message });
    });
  },

  /** 登记或修改申请：新建表单。 */
  start: function () {
    var a = this.data.view.action;
    if (!a.enabled) {
      if (a.refusal) wx.showModal({ title: a.label, content: a.refusal, showCancel: false });
      return;
    }
    wx.navigateTo({ url: '/pages/transfer-form/transfer-form?module=' + this.data.module + '&purpose=' + a.purpose });
  },

  /** 未完成的登记：在表单中修改、提交、撤回或撤销。 */
  openRecord: function () {
    var o = this.data.view.open;
    if (!o) return;
    wx.navigateTo({ url: '/pages/transfer-form/transfer-form?module=' + this.data.module + '&id=' + o.id });
  }
});
