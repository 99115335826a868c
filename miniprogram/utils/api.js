/**
 * wx.request 封装：加令牌、把 {"error": {code, message, fields}} 转为被拒绝的 Error，
 * 401 时清除令牌并回到登录页。
 */
var config = require('../config.js');
var forms = require('./forms.js');

var TOKEN_KEY = 'token';

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

function setToken(token) {
  wx.setStorageSync(TOKEN_KEY, token);
}

function clearToken() {
  wx.removeStorageSync(TOKEN_KEY);
}

function apiError(statusCode, body) {
  var e = (body && body.error) || {};
  var err = new Error(e.message || (statusCode ? '请求失败（' + statusCode + '）' : '网络连接失败，请稍后重试'));
  err.code = e.code || (statusCode ? 'http_' + statusCode : 'network');
  err.fields = e.fields || {};
  err.statusCode = statusCode || 0;
  return err;
}

var redirecting = false;
function handleUnauthorized() {
  clearToken();
  if (redirecting) return;
  var pages = getCurrentPages();
  var cur = pages.length ? pages[pages.length - 1].route : '';
  if (cur === 'pages/login/login') return;
  redirecting = true;
  wx.reLaunch({ url: '/pages/login/login', complete: function () { redirecting = false; } });
}

function authHeader(extra) {
  var h = Object.assign({}, extra || {});
  var token = getToken();
  if (token) h.Authorization = 'Bearer ' + token;
  return h;
}

function parseBody(data) {
  if (typeof data !== 'string') return data;
  if (!data) return null;
  try { return JSON.parse(data); } catch (e) { return null; }
}

function settle(res, resolve, reject) {
  var body = parseBody(res.data);
  if (res.statusCode >= 200 && res.statusCode < 300) {
    resolve(body);
    return;
  }
  if (res.statusCode === 401) handleUnauthorized();
  reject(apiError(res.statusCode, body));
}

/** request({path, method, data}) → Promise<body> */
function request(opts) {
  return new Promise(function (resolve, reject) {
    wx.request({
      url: config.apiBase + opts.path,
      method: opts.method || 'GET',
      data: opts.data,
      header: authHeader({ 'Content-Type': 'application/json' }),
      success: function (res) { settle(res, resolve, reject); },
      fail: function () { reject(apiError(0, null)); }
    });
  });
}

function get(path) { return request({ path: path }); }
function post(path, data) { return request({ path: path, method: 'POST', data: data || {} }); }
function put(path, data) { return request({ path: path, method: 'PUT', data: data || {} }); }
function del(path) { return request({ path: path, method: 'DELETE' }); }

/** 上传一张图片（multipart 字段 file）。wx.uploadFile 返回的 data 是字符串。 */
function upload(path, filePath) {
  return new Promise(function (resolve, reject) {
    wx.uploadFile({
      url: config.apiBase + path,
      filePath: filePath,
      name: 'file',
      header: authHeader(),
      success: function (res) { settle(res, resolve, reject); },
      fail: function () { reject(apiError(0, null)); }
    });
  });
}

/**
 * 出错时 wx.downloadFile 把错误响应体（JSON）写进了下载的文件：尽量读出 {"error": …}，
 * 以得到 code（如 pdf_pending）和中文说明；读不出时只有状态码。
 */
function readErrorFile(path) {
  if (!path) return null;
  try {
    return parseBody(wx.getFileSystemManager().readFileSync(path, 'utf8'));
  } catch (e) {
    return null;
  }
}

/**
 * 带令牌下载文件（如 /api/v1/files/3 的图片、/api/v1/agreements/1/pdf 的协议书），返回本地路径。
 * filePath（可选）：保存到的本地路径（如 wx.env.USER_DATA_PATH + '/xxx.pdf'），否则为临时文件。
 */
function download(url, filePath) {
  return new Promise(function (resolve, reject) {
    var opts = {
      url: forms.absoluteUrl(config.apiBase, url),
      header: authHeader(),
      success: function (res) {
        var path = res.filePath || res.tempFilePath;
        if (res.statusCode === 200) resolve(path);
        else {
          if (res.statusCode === 401) handleUnauthorized();
          reject(apiError(res.statusCode, readErrorFile(path)));
        }
      },
      fail: function () { reject(apiError(0, null)); }
    };
    if (filePath) opts.filePath = filePath;
    wx.downloadFile(opts);
  });
}

/** 统一的错误提示。 */
function showError(err, title) {
  var msg = (err && err.message) || '操作失败';
  if (msg.length <= 7 && !title) {
    wx.showToast({ title: msg, icon: 'none' });
  } else {
    wx.showModal({ title: title || '提示', content: msg, showCancel: false });
  }
}

/** 确认后注销令牌（失败也清除本地令牌），回到登录页。 */
function confirmLogout() {
  wx.showModal({
    title: '退出',
    content: '确定退出登录吗？',
    success: function (r) {
      if (!r.confirm) return;
      var done = function () {
        clearToken();
        wx.reLaunch({ url: '/pages/login/login' });
      };
      post('/auth/logout').then(done, done);
    }
  });
}

/** 登录后去向：未确认基本信息 → 基本信息页（L-3），否则功能模块。 */
function routeAfterLogin() {
  return get('/me').then(function (me) {
    wx.reLaunch({ url: me.confirmed ? '/pages/modules/modules' : '/pages/basic-info/basic-info' });
  });
}

module.exports = {
  confirmLogout: confirmLogout,
  request: request,
  get: get,
  post: post,
  put: put,
  del: del,
  upload: upload,
  download: download,
  getToken: getToken,
  setToken: setToken,
  clearToken: clearToken,
  showError: showError,
  routeAfterLogin: routeAfterLogin
};
