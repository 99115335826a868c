/**
 * wx.request 封装：加令牌、把 {"error": {code, message, fields}} 转为被拒绝的 Error。
 *
 * 令牌有有效期（登录接口的 expires_at）：临近过期（RENEW_BEFORE_MS 内）时先用 wx.login 静默续期；
 * 遇到 401 时再静默续期一次并重试。仍然失败时，把当前页面未保存的输入（页面的 stashForm()）存入
 * 本地存储，回到登录页；登录后回到该页面，由页面用 takeResume(route) 取回输入。
 */
var config = require('../config.js');
var forms = require('./forms.js');

var TOKEN_KEY = 'token';
var EXPIRES_KEY = 'token_expires_at';
var RESUME_KEY = 'resume_page';
/** 距过期不足 10 分钟时先续期。 */
var RENEW_BEFORE_MS = 10 * 60 * 1000;
/** 登录后回到原页面的期限：超过则不再恢复。 */
var RESUME_MAX_MS = 24 * 60 * 60 * 1000;

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

/** 保存令牌及其过期时间（ISO 8601，登录接口的 expires_at）。 */
function setToken(token, expiresAt) {
  wx.setStorageSync(TOKEN_KEY, token);
  if (expiresAt) wx.setStorageSync(EXPIRES_KEY, expiresAt);
  else wx.removeStorageSync(EXPIRES_KEY);
}

function clearToken() {
  wx.removeStorageSync(TOKEN_KEY);
  wx.removeStorageSync(EXPIRES_KEY);
}

/** 令牌的过期时刻（毫秒）；未知时为 0。 */
function tokenExpiry() {
  var v = wx.getStorageSync(EXPIRES_KEY);
  var t = v ? Date.parse(v) : NaN;
  return isNaN(t) ? 0 : t;
}

function needsRenewal(now) {
  var exp = tokenExpiry();
  return !!getToken() && exp > 0 && now >= exp - RENEW_BEFORE_MS;
}

function apiError(statusCode, body) {
  var e = (body && body.error) || {};
  var err = new Error(e.message || (statusCode ? '请求失败（' + statusCode + '）' : '网络连接失败，请稍后重试'));
  err.code = e.code || (statusCode ? 'http_' + statusCode : 'network');
  err.fields = e.fields || {};
  err.statusCode = statusCode || 0;
  return err;
}

// --- 未保存输入的暂存与恢复 ------------------------------------------------------------------

function queryString(query) {
  var keys = Object.keys(query || {});
  if (!keys.length) return '';
  return '?' + keys.map(function (k) { return k + '=' + encodeURIComponent(query[k]); }).join('&');
}

/** 记下当前页面（路由、参数、页面 stashForm() 给出的未保存输入），登录后回到这里。 */
function stashCurrentPage() {
  var pages = getCurrentPages();
  var cur = pages.length ? pages[pages.length - 1] : null;
  if (!cur || !cur.route || cur.route === 'pages/login/login') return;
  var form = typeof cur.stashForm === 'function' ? cur.stashForm() : null;
  wx.setStorageSync(RESUME_KEY, { route: cur.route, query: cur.options || {}, form: form, at: Date.now() });
}

/** 登录后要回到的页面地址（如有）。 */
function resumeUrl() {
  var r = wx.getStorageSync(RESUME_KEY);
  if (!r || !r.route) return '';
  if (Date.now() - (r.at || 0) > RESUME_MAX_MS) {
    wx.removeStorageSync(RESUME_KEY);
    return '';
  }
  return '/' + r.route + queryString(r.query);
}

/** 页面加载时取回它暂存的未保存输入（只取一次）；不是该页面的暂存时返回 null。 */
function takeResume(route) {
  var r = wx.getStorageSync(RESUME_KEY);
  if (!r || r.route !== route) return null;
  wx.removeStorageSync(RESUME_KEY);
  return r.form || null;
}

var redirecting = false;
function handleUnauthorized() {
  clearToken();
  if (redirecting) return;
  var pages = getCurrentPages();
  var cur = pages.length ? pages[pages.length - 1].route : '';
  if (cur === 'pages/login/login') return;
  stashCurrentPage();
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
  reject(apiError(res.statusCode, body));
}

function rawRequest(opts) {
  return new Promise(function (resolve, reject) {
    wx.request({
      url: config.apiBase + opts.path,
      method: opts.method || 'GET',
      data: opts.data,
      header: opts.anonymous ? { 'Content-Type': 'application/json' } : authHeader({ 'Content-Type': 'application/json' }),
      success: function (res) { settle(res, resolve, reject); },
      fail: function () { reject(apiError(0, null)); }
    });
  });
}

/** 用 wx.login 静默换取新令牌（微信已绑定时）；未绑定或失败时被拒绝。并发调用共用一次。 */
var renewing = null;
function renewToken() {
  if (renewing) return renewing;
  renewing = new Promise(function (resolve, reject) {
    wx.login({
      success: function (res) {
        rawRequest({ path: '/auth/wx-login', method: 'POST', data: { code: res.code }, anonymous: true }).then(function (out) {
          if (out.bind_required || !out.token) {
            reject(apiError(401, { error: { code: 'bind_required', message: '登录已过期，请重新登录' } }));
            return;
          }
          setToken(out.token, out.expires_at);
          resolve(out);
        }, reject);
      },
      fail: function () { reject(apiError(0, null)); }
    });
  });
  var done = function () { renewing = null; };
  renewing.then(done, done);
  return renewing;
}

/**
 * 发出一次带令牌的调用 send()：临近过期先续期；401 时续期一次再试；
 * 仍为 401 时暂存页面输入并回到登录页。
 */
function withToken(send) {
  var hadToken = !!getToken();
  var before = needsRenewal(Date.now()) ? renewToken().catch(function () {}) : Promise.resolve();
  return before.then(send).catch(function (err) {
    if (err.statusCode !== 401 || !hadToken) throw err;
    return renewToken().then(send, function () { throw err; }).catch(function (again) {
      if (again.statusCode === 401) handleUnauthorized();
      throw again;
    });
  });
}

/** request({path, method, data}) → Promise<body> */
function request(opts) {
  return withToken(function () { return rawRequest(opts); });
}

/** GET；query（可选）为查询参数对象，由 wx.request 的 data 拼到地址上。 */
function get(path, query) { return request({ path: path, data: query }); }
function post(path, data) { return request({ path: path, method: 'POST', data: data || {} }); }
function put(path, data) { return request({ path: path, method: 'PUT', data: data || {} }); }
function del(path) { return request({ path: path, method: 'DELETE' }); }

/** 未登录时的调用（登录、绑定）：不带令牌，不续期。 */
function postAnonymous(path, data) { return rawRequest({ path: path, method: 'POST', data: data || {}, anonymous: true }); }

/**
 * 上传一张图片（multipart 字段 file）。wx.uploadFile 返回的 data 是字符串。
 * onProgress（可选）：上传进度回调，参数为 0–100 的百分比（UploadTask.onProgressUpdate）。
 */
function upload(path, filePath, onProgress) {
  return withToken(function () {
    return new Promise(function (resolve, reject) {
      var task = wx.uploadFile({
        url: config.apiBase + path,
        filePath: filePath,
        name: 'file',
        header: authHeader(),
        success: function (res) { settle(res, resolve, reject); },
        fail: function () { reject(apiError(0, null)); }
      });
      if (onProgress && task && task.onProgressUpdate) {
        task.onProgressUpdate(function (p) { onProgress(p.progress); });
      }
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
  return withToken(function () {
    return new Promise(function (resolve, reject) {
      var opts = {
        url: forms.absoluteUrl(config.apiBase, url),
        header: authHeader(),
        success: function (res) {
          var path = res.filePath || res.tempFilePath;
          if (res.statusCode === 200) resolve(path);
          else reject(apiError(res.statusCode, readErrorFile(path)));
        },
        fail: function () { reject(apiError(0, null)); }
      };
      if (filePath) opts.filePath = filePath;
      wx.downloadFile(opts);
    });
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

/** 登录后去向：未确认基本信息 → 基本信息页（L-3）；否则令牌失效前所在的页面（如有），或功能模块。 */
function routeAfterLogin() {
  return get('/me').then(function (me) {
    if (!me.confirmed) {
      wx.reLaunch({ url: '/pages/basic-info/basic-info' });
      return;
    }
    wx.reLaunch({ url: resumeUrl() || '/pages/modules/modules' });
  });
}

/** 网页版（手机浏览器）地址：与 API 同域的 /graduate/。 */
function webUrl() {
  return config.webUrl || forms.absoluteUrl(config.apiBase, '/graduate/');
}

/**
 * 小程序尚未提供的功能：说明请用手机浏览器打开网页版，并复制网页版地址
 * （小程序只能打开已配置的业务域名，不能直接打开任意网页）。
 */
function showWebVersion(title) {
  var url = webUrl();
  wx.showModal({
    title: title || '请使用网页版',
    content: '小程序暂未开放该功能，请在手机浏览器中打开网页版办理：' + url,
    confirmText: '复制链接',
    success: function (r) {
      if (!r.confirm) return;
      wx.setClipboardData({
        data: url,
        success: function () { wx.showToast({ title: '链接已复制', icon: 'success' }); }
      });
    }
  });
}

module.exports = {
  confirmLogout: confirmLogout,
  request: request,
  get: get,
  post: post,
  postAnonymous: postAnonymous,
  put: put,
  del: del,
  upload: upload,
  download: download,
  getToken: getToken,
  setToken: setToken,
  clearToken: clearToken,
  tokenExpiry: tokenExpiry,
  needsRenewal: needsRenewal,
  renewToken: renewToken,
  takeResume: takeResume,
  resumeUrl: resumeUrl,
  webUrl: webUrl,
  showWebVersion: showWebVersion,
  showError: showError,
  routeAfterLogin: routeAfterLogin
};
