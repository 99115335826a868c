/**
 * Offline signing pages (§4.3, §4.4) over responses recorded from the real backend
 * (tests/miniprogram/test_record_api.py): the fig. 21 form, the detail page per status, page uploads,
 * the employer's SMS link and offline termination.
 */
var h = require('./harness');

function signedIn(names) {
  var wx = h.createWx();
  wx.setStorageSync('token', 'wxg_RECORDED_TOKEN');
  wx.setStorageSync('token_expires_at', '2099-01-01T00:00:00+08:00');
  if (names) wx.serve.apply(wx, names);
  // thumbnails of uploaded images: any stored image will do
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].forEach(function (id) { wx.serveAt('GET', '/files/' + id, 'file_download'); });
  return wx;
}

function requests(wx, api) {
  return wx.called(api || 'request').map(function (o) {
    return (o.method || (api === 'uploadFile' ? 'POST' : 'GET')) + ' ' + o.url.replace(/^.*\/api\/v1/, '');
  });
}

function buttons(page) {
  return page.data.d.buttons.map(function (b) { return b.key; });
}

beforeEach(function () { h.resetStack(); h.atRecordingTime(); });
afterEach(function () { jest.restoreAllMocks(); });

// --- the form (fig. 21) -------------------------------------------------------------------------

test('FS-1: the form draws every field of fig. 21 with its required mark, in two blocks', async function () {
  var r = await h.loadPage('pages/offline-form/offline-form', { mode: 'eagreement' }, signedIn(['offline_form']));
  var spec = h.recording('offline_form').body.fields;
  var text = h.text(r.comp);
  ['用人单位信息', '签约信息', '保存', '提交'].forEach(function (s) { expect(text).toContain(s); });
  spec.forEach(function (f) {
    var el = r.comp.querySelector('#field-' + f.key);
    expect(el).toBeTruthy();
    expect(el.dom.textContent).toContain(f.label);
    // the label is followed by the required mark (*) exactly when the backend says so
    expect(el.dom.textContent.indexOf(f.label + '*') >= 0).toBe(f.required);
  });
  var required = spec.filter(function (f) { return f.required; }).map(function (f) { return f.label; });
  expect(required).toEqual(expect.arrayContaining(['单位名称', '统一社会信用代码', '单位性质', '单位行业', '通讯地址',
    '职位类别', '岗位名称', '单位联系人', '联系人固话', '联系人手机', '档案传递类型', '户口迁移类型']));
  var widgets = {};
  r.page.data.fields.forEach(function (f) { widgets[f.key] = f.widget; });
  expect(widgets.unit_nature).toBe('picker');
  expect(widgets.report_deadline).toBe('date');
  expect(widgets.addendum).toBe('textarea');
  expect(text).toContain('0/1000');
  expect(r.wx.misses).toEqual([]);
});

test('FS-1: 保存 of a wrong value shows the error under that field and keeps the input', async function () {
  var wx = signedIn(['offline_form']);
  wx.serveAt('POST', '/offline-agreements', 'offline_create_invalid');
  var r = await h.loadPage('pages/offline-form/offline-form', { mode: 'eagreement' }, wx);
  r.page.onInput({ currentTarget: { dataset: { key: 'unit_name' } }, detail: { value: '学信咨询服务有限公司' } });
  r.page.onInput({ currentTarget: { dataset: { key: 'contact_mobile' } }, detail: { value: '010-1234' } });
  await h.tap(r.comp, '#save');
  var post = wx.called('request').filter(function (o) { return o.method === 'POST'; })[0];
  expect(post.data).toEqual({ mode: 'eagreement', fields: { unit_name: '学信咨询服务有限公司', contact_mobile: '010-1234' } });
  var el = r.comp.querySelector('#field-contact_mobile');
  expect(el.dom.textContent).toContain('请填写11位手机号码');
  expect(r.page.data.fields.filter(function (f) { return f.key === 'unit_name'; })[0].value).toBe('学信咨询服务有限公司');
  expect(h.text(r.comp)).toContain('协议信息有误，请按提示修改');
});

test('FS-1: 提交 of a new application saves the draft, then submits it; each missing field is named', async function () {
  var wx = signedIn(['offline_form', 'offline_create']);
  wx.serveAt('PUT', '/offline-agreements/1', 'offline_submit_incomplete');
  var r = await h.loadPage('pages/offline-form/offline-form', { mode: 'eagreement' }, wx);
  r.page.onInput({ currentTarget: { dataset: { key: 'unit_name' } }, detail: { value: '学信咨询服务有限公司' } });
  await h.tap(r.comp, '#submit');
  await h.flush();
  expect(requests(wx)).toEqual(['GET /offline-agreements/form', 'POST /offline-agreements', 'PUT /offline-agreements/1']);
  expect(wx.called('request')[2].data).toEqual({ fields: { unit_name: '学信咨询服务有限公司' }, submit: true });
  expect(r.page.data.recordId).toBe(1);
  var errors = r.page.data.fields.filter(function (f) { return f.error; }).map(function (f) { return f.key; });
  expect(errors.sort()).toEqual(Object.keys(h.recording('offline_submit_incomplete').body.error.fields).sort());
  expect(r.comp.querySelector('#field-position').dom.textContent).toContain('请填写岗位名称');
});

test('editing a draft fills the form with its values and submits with PUT submit:true', async function () {
  var wx = signedIn(['offline_form', 'offline_update', 'offline_update_submit']);
  wx.serveAt('GET', '/offline-agreements/1', 'offline_review');
  var r = await h.loadPage('pages/offline-form/offline-form', { id: '1' }, wx);
  var unit = r.page.data.fields.filter(function (f) { return f.key === 'unit_name'; })[0];
  expect(unit.value).toBe(h.recording('offline_review').body.fields.unit_name);
  await h.tap(r.comp, '#submit');
  await h.flush();
  var put = wx.called('request').filter(function (o) { return o.method === 'PUT'; });
  expect(put.length).toBe(1);
  expect(put[0].data.submit).toBe(true);
  expect(wx.called('redirectTo').pop().url).toBe('/pages/offline/offline?id=1');
});

test('the paper mode saves and opens the detail page to upload the signed agreement (FS-9)', async function () {
  var wx = signedIn(['offline_form', 'offline_paper_create']);
  var r = await h.loadPage('pages/offline-form/offline-form', { mode: 'paper' }, wx);
  expect(r.comp.querySelector('#submit')).toBeFalsy();
  await h.tap(r.comp, '#save-open');
  var post = wx.called('request').filter(function (o) { return o.method === 'POST'; })[0];
  expect(post.data.mode).toBe('paper');
  expect(wx.called('redirectTo').pop().url).toBe('/pages/offline/offline?id=' + h.recording('offline_paper_create').body.id);
});

// --- the detail page per status -----------------------------------------------------------------

async function detail(name, extra) {
  var wx = signedIn((extra || []).concat([]));
  wx.serveAt('GET', '/offline-agreements/1', name);
  var r = await h.loadPage('pages/offline/offline', { id: '1' }, wx);
  expect(wx.misses).toEqual([]);
  return r;
}

var BUTTONS = [
  ['offline_draft', ['edit', 'submit']],
  ['offline_review', ['withdraw']],
  ['offline_passed_pdf_pending', ['refresh', 'submit_pages']],
  ['offline_passed', ['pdf', 'submit_pages', 'employer_link']],
  ['offline_link_delivered', ['pdf', 'submit_pages', 'employer_link']],
  ['offline_submit_pages', ['withdraw', 'pdf']],
  ['offline_signed', ['pdf', 'signed_pdf', 'terminate']],
  ['offline_signed_with_termination', ['pdf', 'signed_pdf', 'termination']]
];

test.each(BUTTONS)('the detail shows the right buttons per status (FS-1…FS-4, FT-1): %s', async function (name, expected) {
  var r = await detail(name);
  expect(buttons(r.page)).toEqual(expected);
  expect(h.text(r.comp)).toContain(h.recording(name).body.status_label);
  expected.forEach(function (key) { expect(r.comp.querySelector('#btn-' + key)).toBeTruthy(); });
});

test('FS-2: 撤回修改 posts withdraw and shows the draft again', async function () {
  var r = await detail('offline_review', ['offline_withdraw']);
  await h.tap(r.comp, '#btn-withdraw');
  expect(requests(r.wx)).toContain('POST /offline-agreements/1/withdraw');
  expect(r.page.data.d.status).toBe('draft');
  expect(buttons(r.page)).toEqual(['edit', 'submit']);
});

test('FS-3: 点击下载电子协议书 downloads the PDF and opens it', async function () {
  var r = await detail('offline_passed', ['offline_pdf']);
  await h.tap(r.comp, '#btn-pdf');
  var dl = r.wx.called('downloadFile').filter(function (o) { return /pdf$/.test(o.url); });
  expect(dl[0].url).toMatch(/\/api\/v1\/offline-agreements\/1\/pdf$/);
  expect(dl[0].filePath).toBe('wxfile://usr/2026210001000000001.pdf');
  expect(r.wx.called('openDocument')[0]).toMatchObject({ filePath: 'wxfile://usr/2026210001000000001.pdf', fileType: 'pdf' });
});

test('FS-3: while the PDF is rendered the page says 协议书正在生成 and offers a retry', async function () {
  var r = await detail('offline_passed_pdf_pending');
  expect(h.text(r.comp)).toContain('协议书正在生成');
  var gets = r.wx.called('request').length;
  await h.tap(r.comp, '#btn-refresh');
  expect(r.wx.called('request').length).toBe(gets + 1);
  // a download that meets pdf_pending (409) explains and retries on confirm
  r.wx.serveAt('GET', '/offline-agreements/1', 'offline_passed');
  await r.page.load();
  r.wx.serveAt('GET', '/offline-agreements/1/pdf', 'offline_pdf_pending');
  r.wx.modalConfirm = false;
  await h.tap(r.comp, '#btn-pdf');
  var modal = r.wx.called('showModal').pop();
  expect(modal.title).toBe('协议书正在生成');
  expect(modal.content).toBe('电子就业协议书正在生成，请稍后再试');
  expect(modal.confirmText).toBe('重试');
  expect(r.wx.called('openDocument')).toEqual([]);
});

test('FS-4 本人回传: photos upload one by one with progress, then the page notes and coverage show', async function () {
  var r = await detail('offline_passed', ['offline_page_upload']);
  r.wx.chosenMedia = [{ tempFilePath: 'wxfile://tmp/p1.jpg' }, { tempFilePath: 'wxfile://tmp/p2.jpg' }];
  var progress = [];
  var setPage = r.page.setPage;
  r.page.setPage = function (key, patch) { if ('progress' in patch) progress.push(patch.progress); return setPage.call(this, key, patch); };
  r.wx.serveAt('GET', '/offline-agreements/1', 'offline_pages_uploaded');
  await h.tap(r.comp, '#add-page');
  await h.flush(20);
  var ups = r.wx.called('uploadFile');
  expect(ups.length).toBe(2);
  ups.forEach(function (u) { expect(u.url).toMatch(/\/api\/v1\/offline-agreements\/1\/pages$/); expect(u.name).toBe('file'); });
  expect(progress).toEqual(expect.arrayContaining([50, 100]));
  var text = h.text(r.comp);
  expect(text).toContain('与协议 2026210001000000001 第1页（共2页）相符');
  expect(text).toContain('与协议 2026210001000000001 第2页（共2页）相符');
  expect(text).toContain('协议书共 2 页，已上传 2 张，每页都已上传');
});

test('FS-10: an unread page is noted and can be deleted before submitting (FS-6)', async function () {
  var r = await detail('offline_pages_with_unread', ['offline_page_delete']);
  var text = h.text(r.comp);
  expect(text).toContain('未识别到页面二维码，请人工核对');
  expect(text).toContain('1 张未识别到页码');
  var dels = r.comp.querySelectorAll('.thumb-del');
  expect(dels.length).toBe(3);
  r.wx.serveAt('GET', '/offline-agreements/1', 'offline_pages_uploaded');
  dels[2].dispatchEvent('tap');
  await h.flush();
  expect(requests(r.wx)).toContain('DELETE /offline-agreements/1/pages/5');
  expect(r.page.data.pages.length).toBe(2);
});

test('FS-4: 本人回传协议书 posts submit-pages and the application goes to 签约审核', async function () {
  var r = await detail('offline_pages_uploaded', ['offline_submit_pages']);
  await h.tap(r.comp, '#btn-submit_pages');
  expect(requests(r.wx)).toContain('POST /offline-agreements/1/submit-pages');
  expect(r.page.data.d.status).toBe('signing_review');
  expect(r.page.data.d.pagesOpen).toBe(false);
  expect(r.comp.querySelectorAll('.thumb-del').length).toBe(0);
});

test('FS-8 用人单位协助回传: posts employer-link and shows the masked phone and the SMS state (MS-3)', async function () {
  var r = await detail('offline_pages_uploaded', ['offline_link_sent']);
  await h.tap(r.comp, '#btn-employer_link');
  expect(requests(r.wx)).toContain('POST /offline-agreements/1/employer-link');
  var link = r.comp.querySelector('#link').dom.textContent;
  expect(link).toContain('131****1111');
  expect(link).toContain('短信发送中');
  expect(link).toContain('有效至 2026-06-08 09:27');
  expect(r.comp.querySelector('#resend')).toBeFalsy();
  r.wx.serveAt('GET', '/offline-agreements/1', 'offline_link_delivered');
  await r.page.load();
  expect(r.comp.querySelector('#delivery').dom.textContent).toContain('短信已发送');
  expect(buttons(r.page)).toContain('employer_link');
  expect(r.page.data.d.buttons.filter(function (b) { return b.key === 'employer_link'; })[0].label).toBe('重新发送短信');
});

test('MS-3: a failed SMS shows 短信发送失败，请重试 and can be sent again', async function () {
  var wx = signedIn(['offline_link_sent']);
  var failed = h.recording('offline_link_delivered');
  failed.body.link.delivery = 'failed';
  failed.body.link.delivery_label = '短信发送失败，请重试';
  wx.answers['GET /offline-agreements/1'] = failed;
  var r = await h.loadPage('pages/offline/offline', { id: '1' }, wx);
  expect(r.comp.querySelector('#delivery').dom.textContent).toContain('短信发送失败，请重试');
  await h.tap(r.comp, '#resend');
  expect(requests(wx)).toContain('POST /offline-agreements/1/employer-link');
  expect(r.comp.querySelector('#delivery').dom.textContent).toContain('短信发送中');
});

test('签约完成: the signed agreement with its 签约过程记录 page downloads and opens', async function () {
  var r = await detail('offline_signed', ['offline_signed_pdf']);
  await h.tap(r.comp, '#btn-signed_pdf');
  var dl = r.wx.called('downloadFile').filter(function (o) { return /pdf$/.test(o.url); });
  expect(dl[0].url).toMatch(/\/api\/v1\/offline-agreements\/1\/signed-pdf$/);
  expect(r.wx.called('openDocument')[0]).toMatchObject({ filePath: 'wxfile://usr/2026210001000000001-signed.pdf' });
});

test('the link is shown as no longer valid once signed (FS-8), and 申请解约 opens the termination form', async function () {
  var r = await detail('offline_signed');
  expect(r.comp.querySelector('#link').dom.textContent).toContain('已失效');
  await h.tap(r.comp, '#btn-terminate');
  expect(r.wx.called('navigateTo').pop().url).toBe('/pages/offline-termination/offline-termination?agreement=1');
});

test('a paper draft uploads its images on the detail page and submits (FS-9)', async function () {
  var wx = signedIn([]);
  wx.serveAt('GET', '/offline-agreements/2', 'offline_paper_draft');
  wx.serveAt('POST', '/offline-agreements/2/pages', 'offline_page_upload');
  wx.serveAt('POST', '/offline-agreements/2/submit', 'offline_submit');
  var r = await h.loadPage('pages/offline/offline', { id: '2' }, wx);
  expect(r.page.data.d.pagesOpen).toBe(true);
  expect(h.text(r.comp)).toContain('已签订并盖章的就业协议书');
  expect(r.comp.querySelector('#add-page')).toBeTruthy();
  await h.tap(r.comp, '#btn-submit');
  expect(requests(wx)).toContain('POST /offline-agreements/2/submit');
});

// --- offline termination (FT-1) ------------------------------------------------------------------

test('FT-1: a new termination needs a reason and a letter before it is sent', async function () {
  var wx = signedIn(['offline_form', 'offline_termination_create', 'offline_termination_file', 'offline_termination_update']);
  var r = await h.loadPage('pages/offline-termination/offline-termination', { agreement: '1' }, wx);
  var text = h.text(r.comp);
  ['解约原因', '解约说明', '0/200', '上传解约函', '提交'].forEach(function (s) { expect(text).toContain(s); });
  await h.tap(r.comp, '#submit');
  expect(r.comp.querySelector('#reason-error').dom.textContent).toContain('请选择解约原因');
  expect(r.comp.querySelector('#files-error').dom.textContent).toContain('请上传单位盖章的解约函');
  expect(requests(wx)).toEqual(['GET /offline-agreements/form']);

  var reasons = h.recording('offline_form').body.termination_reasons;
  var idx = reasons.map(function (x) { return x.code; }).indexOf('07');
  r.page.onReason({ detail: { value: idx } });
  r.page.onExplanation({ detail: { value: '协商一致解约' } });
  await h.flush();
  expect(h.text(r.comp)).toContain('6/200');
  await h.tap(r.comp, '#add-letter');
  await h.flush(20);
  expect(requests(wx)).toContain('POST /offline-agreements/1/termination');
  expect(requests(wx, 'uploadFile')).toEqual(['POST /offline-terminations/1/files']);
  expect(wx.called('request').filter(function (o) { return o.method === 'POST'; })[0].data)
    .toEqual({ reason: '07', explanation: '协商一致解约' });
  await h.tap(r.comp, '#submit');
  var put = wx.called('request').filter(function (o) { return o.method === 'PUT'; }).pop();
  expect(put.url).toMatch(/\/offline-terminations\/1$/);
  expect(put.data).toEqual({ reason: '07', explanation: '协商一致解约', submit: true });
});

test('FT-1: a too long explanation is refused on the page', async function () {
  var r = await h.loadPage('pages/offline-termination/offline-termination', { agreement: '1' }, signedIn(['offline_form']));
  r.page.onReason({ detail: { value: 0 } });
  r.page.onExplanation({ detail: { value: new Array(202).join('字') } });
  await h.flush();
  expect(h.text(r.comp)).toContain('解约说明不能超过200个字');
});

test('FT-1: a submitted termination can be withdrawn; a draft deleted; a returned one edited', async function () {
  var wx = signedIn(['offline_form', 'offline_termination_withdraw']);
  wx.serveAt('GET', '/offline-terminations/1', 'offline_termination_submitted');
  var r = await h.loadPage('pages/offline-termination/offline-termination', { id: '1' }, wx);
  expect(r.comp.querySelector('#submit')).toBeFalsy();
  await h.tap(r.comp, '#withdraw');
  expect(requests(wx)).toContain('POST /offline-terminations/1/withdraw');
  expect(r.page.data.t.status).toBe('draft');
  await h.tap(r.comp, '#delete');
  expect(requests(wx)).toContain('DELETE /offline-terminations/1');
  expect(wx.called('navigateBack').length).toBe(1);

  h.resetStack();
  var wx2 = signedIn(['offline_form']);
  wx2.serveAt('GET', '/offline-terminations/1', 'offline_termination_returned');
  var r2 = await h.loadPage('pages/offline-termination/offline-termination', { id: '1' }, wx2);
  var text = h.text(r2.comp);
  expect(text).toContain('解约函缺少单位公章');
  expect(text).toContain('退回修改');
  expect(r2.comp.querySelector('#submit')).toBeTruthy();
  expect(r2.comp.querySelector('#delete')).toBeFalsy();
});

// --- the destination page -----------------------------------------------------------------------

test('the 签就业协议书就业 entry shows its note and opens the form for each mode', async function () {
  var wx = signedIn(['destination_home_empty', 'message_templates']);
  var r = await h.loadPage('pages/destination/destination', {}, wx);
  var home = h.recording('destination_home_empty').body;
  var entry = home.entries.filter(function (e) { return e.key === 'agreement'; })[0];
  var text = h.text(r.comp);
  expect(text).toContain(entry.note);
  expect(text).toContain('向学校申请电子就业协议书线下签约');
  expect(text).toContain('已签协议信息登记');
  await h.tap(r.comp, '#mode-eagreement');
  expect(wx.called('navigateTo').pop().url).toBe('/pages/offline-form/offline-form?mode=eagreement');
  await h.tap(r.comp, '#mode-paper');
  expect(wx.called('navigateTo').pop().url).toBe('/pages/offline-form/offline-form?mode=paper');
});

test('登记记录 items of the offline types open their pages', async function () {
  var wx = signedIn(['destination_home_offline', 'message_templates']);
  var r = await h.loadPage('pages/destination/destination', {}, wx);
  var urls = r.page.data.records.map(function (x) { return x.url; });
  expect(urls).toEqual(['/pages/offline-termination/offline-termination?id=2',
    '/pages/offline-termination/offline-termination?id=1', '/pages/offline/offline?id=1']);
  var text = h.text(r.comp);
  expect(text).toContain('线下解约 · 学信咨询服务有限公司');
  expect(text).toContain('协议编号 2026210001000000001');
  var items = r.comp.querySelectorAll('.list-item');
  items[2].dispatchEvent('tap');
  await h.flush();
  expect(wx.called('navigateTo').pop().url).toBe('/pages/offline/offline?id=1');
});
