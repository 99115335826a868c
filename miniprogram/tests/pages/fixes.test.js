/** The defects seen in use, each pinned by a page test over the recorded API responses. */
var h = require('./harness');

function signedIn(names, expiresAt) {
  var wx = h.createWx();
  wx.setStorageSync('token', 'wxg_RECORDED_TOKEN');
  wx.setStorageSync('token_expires_at', expiresAt || '2099-01-01T00:00:00+08:00');
  if (names) wx.serve.apply(wx, names);
  return wx;
}

function toasts(wx) { return wx.called('showToast').map(function (o) { return o.title; }); }
function paths(wx, api) {
  return wx.requests().filter(function (c) { return !api || c[0] === api; }).map(function (c) {
    return (c[1].method || (c[0] === 'uploadFile' ? 'POST' : 'GET')) + ' ' + c[1].url.replace(/^https?:\/\/[^/]+\/api\/v1/, '');
  });
}

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

// --- token expiry --------------------------------------------------------------------------

describe('the token expiry', function () {
  test('the login keeps expires_at from the API', async function () {
    var wx = h.createWx();
    wx.serve('auth_wx_login_bound', 'me_confirmed');
    await h.loadPage('pages/login/login', {}, wx);
    expect(wx.getStorageSync('token')).toBe('wxg_RECORDED_TOKEN');
    expect(wx.getStorageSync('token_expires_at')).toBe(h.recording('auth_wx_login_bound').body.expires_at);
    expect(wx.called('reLaunch').pop().url).toBe('/pages/modules/modules');
  });

  test('a token about to expire is renewed with wx.login before the call', async function () {
    // expires five minutes after "now": inside the renewal window
    var wx = signedIn(['modules', 'auth_wx_login_bound'], '2026-06-01T09:35:00+08:00');
    var r = await h.loadPage('pages/modules/modules', {}, wx);
    expect(paths(wx)).toEqual(['POST /auth/wx-login', 'GET /modules']);
    expect(wx.getStorageSync('token_expires_at')).toBe(h.recording('auth_wx_login_bound').body.expires_at);
    expect(r.page.data.modules.length).toBe(5);
  });

  test('a fresh token is used as it is', async function () {
    var wx = signedIn(['modules']);
    await h.loadPage('pages/modules/modules', {}, wx);
    expect(paths(wx)).toEqual(['GET /modules']);
  });

  test('a 401 is retried once after a silent re-login', async function () {
    var wx = signedIn(['auth_wx_login_bound']);
    var calls = 0;
    var request = wx.request;
    wx.request = function (opts) {
      if (/\/modules$/.test(opts.url) && calls++ === 0) {
        wx.calls.push(['request', opts]);
        setTimeout(function () { opts.success({ statusCode: 401, data: h.recording('unauthorized').body }); }, 0);
        return;
      }
      request(opts);
    };
    var r = await h.loadPage('pages/modules/modules', {}, wx);
    expect(paths(wx)).toEqual(['GET /modules', 'POST /auth/wx-login', 'GET /modules']);
    expect(r.page.data.modules.length).toBe(5);
    expect(wx.called('reLaunch')).toEqual([]);
  });

  test('on 401 the record form keeps its unsaved input and comes back to it after login', async function () {
    var wx = signedIn(['destination_kinds', 'record_draft', 'file_download']);
    var r = await h.loadPage('pages/record-form/record-form', { id: '1' }, wx);
    r.page.onInput({ currentTarget: { dataset: { key: 'position' } }, detail: { value: '架构师（未保存）' } });
    // the token is gone on the server; WeChat no longer vouches for a binding either
    wx.serveAt('PUT', '/destination/records/1', 'unauthorized');
    wx.serve('auth_wx_login_bind_required');
    r.page.onSave();
    await h.flush(12);
    expect(wx.called('reLaunch').pop().url).toBe('/pages/login/login');
    expect(wx.getStorageSync('token')).toBe('');
    var stash = wx.getStorageSync('resume_page');
    expect(stash.route).toBe('pages/record-form/record-form');
    expect(stash.query).toEqual({ id: '1' });
    expect(stash.form.values.position).toBe('架构师（未保存）');

    // signing in again returns to the form …
    h.resetStack();
    wx.serve('auth_wx_login_bound', 'me_confirmed');
    await h.loadPage('pages/login/login', {}, wx);
    expect(wx.called('reLaunch').pop().url).toBe('/pages/record-form/record-form?id=1');
    // … which shows the input that was not saved
    h.resetStack();
    var again = await h.loadPage('pages/record-form/record-form', { id: '1' }, wx);
    var position = again.page.data.fields.filter(function (f) { return f.key === 'position'; })[0];
    expect(position.value).toBe('架构师（未保存）');
    expect(wx.getStorageSync('resume_page')).toBe('');
  });

  test('on 401 the agreement page keeps the termination being written', async function () {
    var wx = signedIn(['agreement_signed']);
    var r = await h.loadPage('pages/agreement/agreement', { id: '3' }, wx);
    r.page.openTermination();
    r.page.onReason({ detail: { value: '0' } });
    r.page.onExplanation({ detail: { value: '单位岗位调整，协商一致' } });
    wx.serveAt('GET', '/agreements/3', 'unauthorized');
    wx.serve('auth_wx_login_bind_required');
    await r.page.load();
    await h.flush(12);
    var stash = wx.getStorageSync('resume_page');
    expect(stash.route).toBe('pages/agreement/agreement');
    expect(stash.form.term.explanation).toBe('单位岗位调整，协商一致');

    h.resetStack();
    wx.serve('agreement_signed');
    var again = await h.loadPage('pages/agreement/agreement', { id: '3' }, wx);
    expect(again.page.data.term.open).toBe(true);
    expect(again.page.data.term.explanation).toBe('单位岗位调整，协商一致');
    expect(again.page.data.term.reason).toBe(stash.form.term.reason);
  });
});

// --- agreement PDF: only pdf_pending means "being generated" --------------------------------

describe('the agreement PDF', function () {
  async function openPdfWith(errorName) {
    var wx = signedIn(['agreement_signed']);
    wx.serveAt('GET', '/agreements/3/pdf', errorName);
    var r = await h.loadPage('pages/agreement/agreement', { id: '3' }, wx);
    r.page.openPdf();
    await h.flush();
    return wx;
  }

  test('pdf_pending says the PDF is being generated', async function () {
    var wx = await openPdfWith('agreement_pdf_pending');
    expect(toasts(wx)).toContain('协议书正在生成，请稍后再试');
  });

  test('not_signed (also a 409) shows its own message', async function () {
    var wx = await openPdfWith('agreement_pdf_not_signed');
    expect(toasts(wx)).not.toContain('协议书正在生成，请稍后再试');
    var shown = wx.called('showModal').map(function (o) { return o.content; });
    expect(shown).toContain(h.recording('agreement_pdf_not_signed').body.error.message);
  });
});

// --- subscribe messages: only "accept" counts ------------------------------------------------

describe('message reminders', function () {
  async function subscribeWith(result) {
    var wx = signedIn(['destination_home', 'message_templates']);
    var r = await h.loadPage('pages/destination/destination', {}, wx);
    var ids = h.recording('message_templates').body.template_ids;
    expect(ids.length).toBe(2);
    wx.subscribeResult = result(ids);
    r.page.subscribe();
    await h.flush();
    return wx;
  }

  test('every template refused: not "已开启消息提醒"', async function () {
    var wx = await subscribeWith(function (ids) {
      var res = { errMsg: 'requestSubscribeMessage:ok' };
      ids.forEach(function (id) { res[id] = 'reject'; });
      return res;
    });
    expect(toasts(wx)).toEqual(['未开启消息提醒']);
  });

  test('banned or filtered templates do not count either', async function () {
    var wx = await subscribeWith(function (ids) {
      var res = { errMsg: 'requestSubscribeMessage:ok' };
      res[ids[0]] = 'ban';
      res[ids[1]] = 'filter';
      return res;
    });
    expect(toasts(wx)).toEqual(['未开启消息提醒']);
  });

  test('some accepted: partly on; all accepted: on', async function () {
    var partly = await subscribeWith(function (ids) {
      var res = {};
      res[ids[0]] = 'accept';
      res[ids[1]] = 'reject';
      return res;
    });
    expect(toasts(partly)).toEqual(['已开启部分消息提醒']);
    h.resetStack();
    var all = await subscribeWith(function () { return null; }); // the stub accepts every id
    expect(toasts(all)).toEqual(['已开启消息提醒']);
  });
});

// --- proofs: compressed on the client before upload -----------------------------------------

test('proof images are chosen compressed and compressed again before upload', async function () {
  var wx = signedIn(['destination_kinds', 'record_draft', 'file_download', 'record_proof_upload']);
  var r = await h.loadPage('pages/record-form/record-form', { id: '1' }, wx);
  wx.chosenMedia = [{ tempFilePath: 'wxfile://tmp/big.jpg', size: 6500000 }];
  r.page.chooseProofs();
  await h.flush(12);
  expect(wx.called('chooseMedia')[0].sizeType).toEqual(['compressed']);
  var compress = wx.called('compressImage');
  expect(compress.map(function (o) { return o.src; })).toEqual(['wxfile://tmp/big.jpg']);
  expect(compress[0].quality).toBeLessThan(100);
  var uploads = wx.called('uploadFile');
  expect(uploads.map(function (o) { return o.filePath; })).toEqual(['wxfile://tmp/big-compressed.jpg']);
  expect(r.page.data.proofs.length).toBe(2);
});

// --- one draft however fast the taps ------------------------------------------------------------

test('a second tap before the first draft is saved does not create a second draft', async function () {
  var wx = signedIn(['destination_kinds', 'record_create']);
  var r = await h.loadPage('pages/record-form/record-form', { subkind: 'labour_contract' }, wx);
  // 保存, then 添加图片 while the draft is still being created
  r.page.onSave();
  var a = r.page.save();
  var b = r.page.save();
  expect(a).toBe(b);
  await h.flush(12);
  expect(paths(wx, 'request').filter(function (p) { return p === 'POST /destination/records'; }).length).toBe(1);
  expect(r.page.data.recordId).toBe(h.recording('record_create').body.id);
  // once saved, the next save updates the same draft
  wx.serve('record_update');
  await r.page.save();
  expect(paths(wx, 'request').pop()).toBe('PUT /destination/records/' + r.page.data.recordId);
});

// --- submitting an edit goes back to the record page ---------------------------------------------

describe('submitting an edit', function () {
  test('returns to the record page it came from instead of stacking a second one', async function () {
    var wx = signedIn(['record_returned', 'destination_kinds', 'record_update', 'record_submit', 'file_download']);
    var record = await h.loadPage('pages/record/record', { id: '1' }, wx);
    record.page.act({ currentTarget: { dataset: { key: 'edit' } } });
    expect(wx.called('navigateTo').pop().url).toBe('/pages/record-form/record-form?id=1');
    var form = await h.loadPage('pages/record-form/record-form', { id: '1' }, wx);
    expect(getCurrentPages().map(function (p) { return p.route; })).toEqual(['pages/record/record', 'pages/record-form/record-form']);
    form.page.onSubmit();
    await h.flush(12);
    await h.sleep(700); // the page shows 已提交 for 600 ms first
    expect(paths(wx, 'request').slice(-2)).toEqual(['PUT /destination/records/1', 'POST /destination/records/1/submit']);
    expect(wx.called('navigateBack').length).toBe(1);
    expect(wx.called('redirectTo')).toEqual([]);
    expect(wx.called('navigateTo').length).toBe(1);
  });

  test('a new record submitted from the form replaces the form with its record page', async function () {
    var wx = signedIn(['destination_kinds', 'record_create', 'record_submit']);
    var form = await h.loadPage('pages/record-form/record-form', { subkind: 'labour_contract' }, wx);
    form.page.onSubmit();
    await h.flush(12);
    await h.sleep(700); // the page shows 已提交 for 600 ms first
    expect(wx.called('redirectTo').map(function (o) { return o.url; })).toEqual(['/pages/record/record?id=1']);
    expect(wx.called('navigateBack')).toEqual([]);
  });
});

// --- modules without a mini-program page: the mobile web ----------------------------------------

test('a module not in the mini-program offers the mobile web /graduate/ and copies its link', async function () {
  var wx = signedIn(['modules']);
  // every module of the recording has a page now: a module a newer backend might list is added by hand
  wx.answers['GET /modules'].body.modules.push({ key: 'statistics', name: '就业统计', available: true, reason: null });
  var r = await h.loadPage('pages/modules/modules', {}, wx);
  var index = r.page.data.modules.findIndex(function (m) { return m.key === 'statistics'; });
  expect(r.page.data.modules[index].available).toBe(true);
  r.page.open({ currentTarget: { dataset: { index: index } } });
  await h.flush();
  var modal = wx.called('showModal').pop();
  expect(modal.content).toContain('http://127.0.0.1:5000/graduate/');
  expect(modal.content).not.toContain('网页版，');
  expect(wx.called('setClipboardData').map(function (o) { return o.data; })).toEqual(['http://127.0.0.1:5000/graduate/']);
  expect(wx.called('navigateTo')).toEqual([]);
});

test('coming back to the mini-program renews a token close to its expiry', async function () {
  jest.resetModules();
  var wx = signedIn(['auth_wx_login_bound'], '2026-06-01T09:35:00+08:00');
  global.wx = wx;
  var app;
  global.App = function (def) { app = def; };
  require('../../app.js');
  app.onShow();
  await h.flush();
  expect(paths(wx)).toEqual(['POST /auth/wx-login']);
  expect(wx.getStorageSync('token_expires_at')).toBe(h.recording('auth_wx_login_bound').body.expires_at);
  app.onShow(); // now fresh: nothing to do
  await h.flush();
  expect(paths(wx)).toEqual(['POST /auth/wx-login']);
});
