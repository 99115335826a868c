var api = require('./utils/api.js');

App({
  globalData: {
    graduate: null
  },

  // 回到小程序时，令牌临近过期（expires_at）则先静默续期，免得填写中途失效
  onShow: function () {
    if (api.needsRenewal(Date.now())) api.renewToken().catch(function () { /* 下一次调用时再处理 */ });
  }
});
