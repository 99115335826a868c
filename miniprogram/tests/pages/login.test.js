/** L-8: binding the mini-program with the 6-digit code from the mobile web (no web-view, no 学信网 password). */
var h = require('./harness');

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

function bodyOf(wx, path) {
  var c = wx.requests().filter(function (x) { return x[1].url.indexOf(path) >= 0; }).pop();
  return c && c[1].data;
}

test('l_8 an unbound WeChat is asked for the bind code from the mobile web', async function () {
  var r = await h.loadPage('pages/login/login', {}, h.createWx());
  expect(r.page.data.stage).toBe('bind');
  expect(r.page.data.bindCodeUrl).toBe('https://job.example.edu.cn/graduate/bind-code');
  // nothing opens 学信网 inside the mini-program
  expect(r.comp.querySelector('web-view')).toBeFalsy();
  await h.tap(r.comp, '#copy-url');
  expect(r.wx.called('setClipboardData')[0].data).toBe('https://job.example.edu.cn/graduate/bind-code');
});

test('l_8 a six-digit code binds, keeps the token with its expiry and enters the platform', async function () {
  var wx = h.createWx();
  wx.serve('auth_bind_code', 'me_unconfirmed');
  var r = await h.loadPage('pages/login/login', {}, wx);
  r.page.onInput({ currentTarget: { dataset: { key: 'bindCode' } }, detail: { value: '123 456' } });
  await h.tap(r.comp, '#bind-with-code');
  expect(bodyOf(wx, '/auth/bind-code')).toEqual({ bind_ticket: 'RECORDED_BIND_TICKET', code: '123456' });
  // the bind call carries no (stale) token
  var call = wx.requests().filter(function (x) { return x[1].url.indexOf('/auth/bind-code') >= 0; })[0];
  expect(call[1].header.Authorization).toBeUndefined();
  expect(wx.getStorageSync('token')).toBe('wxg_RECORDED_TOKEN');
  expect(wx.getStorageSync('token_expires_at')).toBe(h.recording('auth_bind_code').body.expires_at);
  expect(wx.called('reLaunch').pop().url).toBe('/pages/basic-info/basic-info');
});

test('l_8 a wrong code shows the API message and sends nothing twice', async function () {
  var wx = h.createWx();
  wx.serve('auth_bind_code_invalid');
  var r = await h.loadPage('pages/login/login', {}, wx);
  r.page.onInput({ currentTarget: { dataset: { key: 'bindCode' } }, detail: { value: '000000' } });
  r.page.bindWithCode();
  r.page.bindWithCode(); // a second tap while the first is on its way
  await h.flush();
  expect(wx.requests().filter(function (x) { return /bind-code/.test(x[1].url); }).length).toBe(1);
  expect(r.page.data.message).toBe(h.recording('auth_bind_code_invalid').body.error.message);
  expect(h.text(r.comp)).toContain(h.recording('auth_bind_code_invalid').body.error.message);
});

test('l_8 a code that is not six digits is refused before any call', async function () {
  var wx = h.createWx();
  var r = await h.loadPage('pages/login/login', {}, wx);
  var before = wx.requests().length;
  r.page.onInput({ currentTarget: { dataset: { key: 'bindCode' } }, detail: { value: '12ab' } });
  r.page.bindWithCode();
  await h.flush();
  expect(wx.requests().length).toBe(before);
  expect(r.page.data.message).toContain('6 位绑定码');
});
