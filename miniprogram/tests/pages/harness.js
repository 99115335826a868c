/**
 * Page test harness: a `wx` stub answered from the API responses the Python suite recorded
 * (../recorded/*.json), a Page() shim over miniprogram-simulate, and a page stack.
 *
 * - `answers` maps "METHOD /path" to the recording served for it; every recording is served for its
 *   own method+path by default, `serve(name, ...)` puts a recording first (for its query, if it has one) (e.g. /me unconfirmed vs
 *   confirmed), `serveAt(method, path, name)` serves a recording for another path (e.g. a 401 for any call).
 * - A GET recorded with query arguments (`query`) answers a request with those arguments first
 *   (`wx.request` data), and the bare path when nothing else answers it.
 * - Every wx.* call is logged in `calls` as [api, options].
 */
var fs = require('fs');
var path = require('path');

var ROOT = path.resolve(__dirname, '..', '..');
var RECORDED = path.join(ROOT, 'tests', 'recorded');
var API_BASE = require(path.join(ROOT, 'config.js')).apiBase;

function loadRecordings() {
  var out = {};
  fs.readdirSync(RECORDED).filter(function (f) { return /\.json$/.test(f); }).sort().forEach(function (f) {
    var r = JSON.parse(fs.readFileSync(path.join(RECORDED, f), 'utf8'));
    out[r.name] = r;
  });
  return out;
}

var RECORDINGS = loadRecordings();

function recording(name) {
  var r = RECORDINGS[name];
  if (!r) throw new Error('no recording named ' + name + ' (run the Python suite: tests/miniprogram)');
  return JSON.parse(JSON.stringify(r));
}

/** Query arguments (wx.request data of a GET) as a lookup key: sorted, empty ones dropped, as recorded. */
function queryKey(query) {
  if (!query || typeof query !== 'object') return '';
  var keys = Object.keys(query).filter(function (k) {
    return query[k] !== undefined && query[k] !== null && String(query[k]) !== '';
  }).sort();
  return keys.length ? '?' + keys.map(function (k) { return k + '=' + query[k]; }).join('&') : '';
}

function tick(ms) { return new Promise(function (r) { setTimeout(r, ms || 0); }); }

/** Let pending promises and timers (request callbacks) run. */
async function flush(times) {
  for (var i = 0; i < (times || 8); i++) await tick(0);
}

function createWx(options) {
  options = options || {};
  var storage = {};
  var files = {};
  var calls = [];
  var answers = {};
  var fileSeq = 0;
  Object.keys(RECORDINGS).forEach(function (name) {
    var r = RECORDINGS[name];
    var key = r.method + ' ' + r.path;
    // successful answers win over errors for the same call unless a test asks otherwise
    if (!answers[key] || (answers[key].status >= 400 && r.status < 400)) answers[key] = r;
    // a GET recorded with query arguments also answers exactly those (e.g. /regions?parent=110000)
    if (r.query) answers[key + queryKey(r.query)] = r;
  });

  function log(api, opts) { calls.push([api, opts || {}]); }

  function route(method, url, data) {
    var p = url.indexOf(API_BASE) === 0 ? url.slice(API_BASE.length) : url.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
    p = p.split('?')[0];
    var q = method === 'GET' ? queryKey(data) : '';
    var r = (q && answers[method + ' ' + p + q]) || answers[method + ' ' + p];
    if (!r) {
      wx.misses.push(method + ' ' + p);
      throw new Error('no recorded answer for ' + method + ' ' + p);
    }
    return r;
  }

  function later(fn) { setTimeout(fn, 0); }

  var wx = {
    calls: calls,
    /** calls that found no recording (a page test asserts there are none) */
    misses: [],
    storage: storage,
    answers: answers,
    modalConfirm: options.modalConfirm !== false,
    subscribeResult: null,
    chosenMedia: [{ tempFilePath: 'wxfile://tmp/photo-1.jpg', size: 4200000 }],
    loginCode: 'wx-code-test',
    env: { USER_DATA_PATH: 'wxfile://usr' },
    serve: function () {
      Array.prototype.forEach.call(arguments, function (name) {
        var r = recording(name);
        // a recording with query arguments answers those; the bare path keeps its own answer
        answers[r.method + ' ' + r.path + queryKey(r.query)] = r;
      });
    },
    serveAt: function (method, p, name) { answers[method + ' ' + p] = recording(name); },
    called: function (api) { return calls.filter(function (c) { return c[0] === api; }).map(function (c) { return c[1]; }); },
    requests: function () { return calls.filter(function (c) { return c[0] === 'request' || c[0] === 'uploadFile' || c[0] === 'downloadFile'; }); },

    request: function (opts) {
      log('request', opts);
      var r = route(opts.method || 'GET', opts.url, opts.data);
      later(function () {
        opts.success && opts.success({ statusCode: r.status, data: r.body, header: {} });
        opts.complete && opts.complete();
      });
    },
    uploadFile: function (opts) {
      log('uploadFile', opts);
      var r = route('POST', opts.url);
      var progress = [];
      later(function () {
        // the task reports progress before the answer, as WeChat does for a small file
        progress.forEach(function (cb) { cb({ progress: 50 }); cb({ progress: 100 }); });
        opts.success && opts.success({ statusCode: r.status, data: JSON.stringify(r.body) });
      });
      return { onProgressUpdate: function (cb) { progress.push(cb); }, abort: function () {} };
    },
    downloadFile: function (opts) {
      log('downloadFile', opts);
      var r = route('GET', opts.url);
      var file = opts.filePath || ('wxfile://tmp/download-' + (++fileSeq));
      files[file] = r.status >= 400 ? JSON.stringify(r.body) : 'binary';
      later(function () {
        opts.success && opts.success(opts.filePath ? { statusCode: r.status, filePath: file } : { statusCode: r.status, tempFilePath: file });
      });
    },
    getFileSystemManager: function () {
      return { readFileSync: function (p) { if (!(p in files)) throw new Error('no file ' + p); return files[p]; } };
    },

    getStorageSync: function (k) { return k in storage ? storage[k] : ''; },
    setStorageSync: function (k, v) { storage[k] = JSON.parse(JSON.stringify(v)); },
    removeStorageSync: function (k) { delete storage[k]; },

    login: function (opts) { log('login', opts); later(function () { opts.success && opts.success({ code: wx.loginCode }); }); },
    showToast: function (o) { log('showToast', o); },
    showLoading: function (o) { log('showLoading', o); },
    hideLoading: function (o) { log('hideLoading', o); },
    showModal: function (o) {
      log('showModal', o);
      later(function () { o.success && o.success({ confirm: wx.modalConfirm, cancel: !wx.modalConfirm }); });
    },
    navigateTo: function (o) { log('navigateTo', o); o.success && o.success(); },
    redirectTo: function (o) { log('redirectTo', o); o.success && o.success(); },
    navigateBack: function (o) { log('navigateBack', o || {}); o && o.success && o.success(); },
    reLaunch: function (o) { log('reLaunch', o); o.success && o.success(); o.complete && o.complete(); },
    setNavigationBarTitle: function (o) { log('setNavigationBarTitle', o); },
    stopPullDownRefresh: function () { log('stopPullDownRefresh'); },
    openDocument: function (o) { log('openDocument', o); },
    previewImage: function (o) { log('previewImage', o); },
    setClipboardData: function (o) { log('setClipboardData', o); later(function () { o.success && o.success(); }); },
    requestSubscribeMessage: function (o) {
      log('requestSubscribeMessage', o);
      var res = wx.subscribeResult || o.tmplIds.reduce(function (acc, id) { acc[id] = 'accept'; return acc; }, { errMsg: 'requestSubscribeMessage:ok' });
      later(function () { o.success && o.success(res); o.complete && o.complete(res); });
    },
    compressImage: function (o) {
      log('compressImage', o);
      later(function () { o.success && o.success({ tempFilePath: o.src.replace(/(\.\w+)$/, '-compressed$1') }); });
    },
    chooseMedia: function (o) {
      log('chooseMedia', o);
      later(function () { o.success && o.success({ tempFiles: wx.chosenMedia, type: 'image' }); });
    },
    chooseImage: function (o) {
      log('chooseImage', o);
      later(function () { o.success && o.success({ tempFilePaths: wx.chosenMedia.map(function (f) { return f.tempFilePath; }) }); });
    }
  };
  return wx;
}

/**
 * Load the page at *route* (e.g. 'pages/record/record') with *query*; return {comp, page, wx}.
 * `page` is the instance (its data and methods); the page stack sees it with its route.
 * Pass `wx` to keep the storage and answers of an earlier page (a fresh stub otherwise).
 */
async function loadPage(route, query, wx) {
  jest.resetModules();
  wx = wx || createWx();
  global.wx = wx;
  var stack = global.__pageStack = global.__pageStack || [];
  global.getCurrentPages = function () { return stack.slice(); };
  global.getApp = function () { return { globalData: {} }; };
  var simulate = require('miniprogram-simulate');
  global.Page = function (def) {
    var methods = {};
    var data = {};
    Object.keys(def).forEach(function (k) {
      if (k === 'data') data = def.data;
      else if (typeof def[k] === 'function') methods[k] = def[k];
    });
    global.Component({
      data: data,
      methods: methods,
      lifetimes: {
        attached: function () {
          this.route = route;
          this.options = query || {};
          stack.push(this);
          if (this.onLoad) this.onLoad(query || {});
          if (this.onShow) this.onShow();
        }
      }
    });
  };
  var id = simulate.load(path.join(ROOT, route), { rootPath: ROOT, compiler: 'official' });
  var comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  await flush();
  return { comp: comp, page: comp.instance, wx: wx, simulate: simulate };
}

function resetStack() { global.__pageStack = []; }

/** The recordings were made at 2026-06-01 09:00–09:15 (Beijing time): pin Date.now() near then. */
var RECORDED_AT = Date.parse('2026-06-01T09:30:00+08:00');
function atRecordingTime(ms) {
  var now = ms || RECORDED_AT;
  return jest.spyOn(Date, 'now').mockImplementation(function () { return now; });
}

/** Tap the first element matching *selector* and let the page answer. */
async function tap(comp, selector) {
  var el = comp.querySelector(selector);
  if (!el) throw new Error('nothing matches ' + selector);
  el.dispatchEvent('tap');
  await flush();
  return el;
}

function text(comp) { return comp.dom.textContent.replace(/\s+/g, ' '); }

module.exports = {
  ROOT: ROOT,
  RECORDINGS: RECORDINGS,
  recording: recording,
  createWx: createWx,
  loadPage: loadPage,
  resetStack: resetStack,
  atRecordingTime: atRecordingTime,
  RECORDED_AT: RECORDED_AT,
  flush: flush,
  sleep: tick,
  tap: tap,
  text: text
};
