/**
 * 核验授权 (§8, figs. 43–44), over responses recorded from the real backend (tests/miniprogram/test_record_api.py:
 * 钱进, confirmed at 09:54, archive info reported, no hukou info). The recorder replaces the random 核验编号
 * by ARECORDED0001P (a valid number of the same shape).
 */
var h = require('./harness');

function signedIn(names) {
  var wx = h.createWx();
  wx.setStorageSync('token', 'wxg_RECORDED_TOKEN');
  wx.setStorageSync('token_expires_at', '2099-01-01T00:00:00+08:00');
  if (names) wx.serve.apply(wx, names);
  return wx;
}

function requests(wx) {
  return wx.requests().map(function (c) {
    return (c[1].method || 'GET') + ' ' + c[1].url.replace(/^.*\/api\/v1/, '');
  });
}

function el(comp, selector) { return comp.querySelector(selector); }
function textOf(comp, selector) { return el(comp, selector).dom.textContent.replace(/\s+/g, ' ').trim(); }

function moduleIndex(page, key) { return page.data.view.modules.findIndex(function (m) { return m.module === key; }); }

function pick(page, key, value) {
  return page.onPickDate({ currentTarget: { dataset: { index: moduleIndex(page, key) } }, detail: { value: value } });
}

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

var NUMBER = 'ARECORDED0001P';

test('VA-1: before 去向登记确认 the page only says why and leads to the confirmation', async function () {
  var wx = signedIn(['verifications_locked']);
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  expect(textOf(r.comp, '#locked')).toContain('需完成去向登记确认才能进行核验授权');
  expect(el(r.comp, '#module-archive')).toBeFalsy();
  await h.tap(r.comp, '#to-confirmation');
  expect(wx.called('navigateTo').map(function (o) { return o.url; })).toEqual(['/pages/confirmation/confirmation']);
});

test('VA-2, GW-1: fig. 43 — archive can be set, hukou says why (no registered info); no number yet', async function () {
  var wx = signedIn(['verifications_available']);
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  expect(textOf(r.comp, '#module-archive')).toContain('档案信息核验');
  expect(textOf(r.comp, '#number-archive')).toBe('暂未生成核验编号');
  expect(textOf(r.comp, '#valid-archive')).toBe('暂无');
  expect(textOf(r.comp, '#status-archive')).toBe('未设置');
  expect(textOf(r.comp, '#set-archive')).toContain('设置有效期');
  expect(el(r.comp, '#pdf-archive')).toBeFalsy();
  expect(el(r.comp, '#copy-archive')).toBeFalsy();
  expect(textOf(r.comp, '#module-hukou')).toContain('户口信息核验');
  expect(textOf(r.comp, '#reason-hukou')).toBe(h.recording('verifications_available').body.modules[1].reason);
  expect(el(r.comp, '#set-hukou')).toBeFalsy();
  expect(textOf(r.comp, '#notes')).toContain('对应模块需要有信息登记才能使用核验功能');
  expect(textOf(r.comp, '#history')).toContain('暂无核验记录');
  expect(wx.misses).toEqual([]);
});

test('VA-3: the date picker runs from today to the last day of the sixth month after graduation', async function () {
  var r = await h.loadPage('pages/verification/verification', {}, signedIn(['verifications_available']));
  var archive = r.page.data.view.modules[moduleIndex(r.page, 'archive')];
  expect([archive.start, archive.end, archive.pickerValue]).toEqual(['2026-06-01', '2027-12-31', '2027-12-31']);
  expect(textOf(r.comp, '#notes')).toContain('最晚可设置至2027年12月31日');
  // simulate does not reflect a picker's start/end into the DOM: the bound values are checked above
  expect(el(r.comp, '#picker-archive')).toBeTruthy();
  expect(el(r.comp, '#picker-hukou')).toBeFalsy();
});

test('VA-3: a chosen date is confirmed, sent, and the page shows the new 核验编号 as 生效中 (fig. 44)', async function () {
  var wx = signedIn(['verifications_available']);
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  wx.serve('verifications_active');  // what GET answers once the number exists
  await pick(r.page, 'archive', '2026-12-31');
  await h.flush();
  var modal = wx.called('showModal')[0];
  expect(modal.content).toContain('有效期至 2026年12月31日 23:59:59');
  expect(modal.content).not.toContain('原核验编号');
  var post = wx.called('request').filter(function (o) { return o.method === 'POST'; });
  expect(post.map(function (o) { return o.data; })).toEqual([{ module: 'archive', valid_until: '2026-12-31' }]);
  expect(textOf(r.comp, '#number-archive')).toBe('AREC-ORDE-D000-1P');
  expect(textOf(r.comp, '#valid-archive')).toBe('2026年12月31日 23:59:59');
  expect(textOf(r.comp, '#status-archive')).toBe('生效中');
  expect(textOf(r.comp, '#set-archive')).toContain('重新设置有效期');
  expect(requests(wx)).toEqual(['GET /verifications', 'POST /verifications', 'GET /verifications']);
});

test('VA-3: a date outside the range is not sent; the backend refusal of one is shown', async function () {
  var wx = signedIn(['verifications_available', 'verification_create_invalid']);
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  await pick(r.page, 'archive', '2028-01-01');
  expect(wx.called('showModal')[0].content).toBe('有效期应在今天至2027年12月31日之间');
  await pick(r.page, 'archive', '2026-05-31');
  expect(wx.called('request').filter(function (o) { return o.method === 'POST'; })).toEqual([]);
  // the backend has the last word (e.g. a page left open past midnight): its message is shown
  await pick(r.page, 'archive', '2027-12-31');
  await h.flush();
  expect(wx.called('showModal').pop().content).toBe(h.recording('verification_create_invalid').body.error.message);
});

test('VA-3: cancelling the dialog sends nothing', async function () {
  var wx = signedIn(['verifications_available']);
  wx.modalConfirm = false;
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  await pick(r.page, 'archive', '2026-12-31');
  await h.flush();
  expect(requests(wx)).toEqual(['GET /verifications']);
});

test('VA-4: 复制 copies the 核验编号; 查看/下载信息表 downloads the PDF with the token and opens it', async function () {
  var wx = signedIn(['verifications_active']);
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  await h.tap(r.comp, '#copy-archive');
  expect(wx.called('setClipboardData').map(function (o) { return o.data; })).toEqual([NUMBER]);
  await h.tap(r.comp, '#pdf-archive');
  await h.flush();
  var dl = wx.called('downloadFile');
  expect(dl).toHaveLength(1);
  expect(dl[0].url).toBe('http://127.0.0.1:5000/api/v1/verifications/1/pdf');
  expect(dl[0].header.Authorization).toBe('Bearer wxg_RECORDED_TOKEN');
  expect(dl[0].filePath).toBe('wxfile://usr/' + NUMBER + '.pdf');
  expect(wx.called('openDocument').map(function (o) { return [o.filePath, o.fileType, o.showMenu]; }))
    .toEqual([['wxfile://usr/' + NUMBER + '.pdf', 'pdf', true]]);
  expect(textOf(r.comp, '#history')).toContain('AREC-ORDE-D000-1P');
});

test('VA-8: setting again while one is active says the old number stops at once', async function () {
  var wx = signedIn(['verifications_active']);
  wx.modalConfirm = false;
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  await pick(r.page, 'archive', '2027-06-30');
  await h.flush();
  expect(wx.called('showModal')[0].content).toContain('原核验编号 AREC-ORDE-D000-1P 将立即失效');
});

test('VA-8: 提前结束 asks first, closes the number and the module reads 已结束 with the history', async function () {
  var wx = signedIn(['verifications_active']);
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  wx.serve('verifications_closed');
  await h.tap(r.comp, '#close-archive');
  await h.flush();
  var modal = wx.called('showModal')[0];
  expect(modal.title).toBe('提前结束核验');
  expect(modal.content).toContain('AREC-ORDE-D000-1P 立即失效');
  expect(requests(wx)).toEqual(['GET /verifications', 'POST /verifications/1/close', 'GET /verifications']);
  expect(textOf(r.comp, '#status-archive')).toBe('已结束');
  expect(textOf(r.comp, '#ended-archive')).toContain('已于 2026-06-01 09:57 提前结束');
  expect(textOf(r.comp, '#number-archive')).toBe('暂未生成核验编号');
  expect(textOf(r.comp, '#set-archive')).toContain('设置有效期');
  expect(el(r.comp, '#close-archive')).toBeFalsy();
  var history = textOf(r.comp, '#history');
  expect(history).toContain('已结束');
  expect(history).toContain('结束于 2026-06-01 09:57');
});

test('VA-8: cancelling 提前结束 keeps the number', async function () {
  var wx = signedIn(['verifications_active']);
  wx.modalConfirm = false;
  var r = await h.loadPage('pages/verification/verification', {}, wx);
  await h.tap(r.comp, '#close-archive');
  await h.flush();
  expect(requests(wx)).toEqual(['GET /verifications']);
});

test('VA-3: past its day the verification reads 已过期; it cannot be ended, only set again', async function () {
  var r = await h.loadPage('pages/verification/verification', {}, signedIn(['verifications_expired']));
  expect(textOf(r.comp, '#status-archive')).toBe('已过期');
  expect(el(r.comp, '#status-archive').dom.className).toContain('tag-orange');
  expect(el(r.comp, '#close-archive')).toBeFalsy();
  expect(textOf(r.comp, '#set-archive')).toContain('重新设置有效期');
  var archive = r.page.data.view.modules[moduleIndex(r.page, 'archive')];
  expect(archive.start).toBe('2026-06-02');  // the day after: today moved on
  var history = textOf(r.comp, '#history');
  expect(history).toContain('已过期');
  expect(history).toContain('已结束');
});
