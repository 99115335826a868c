const test = require('node:test');
const assert = require('node:assert/strict');
const signing = require('../utils/signing.js');

// 时刻用带时区的 ISO 字符串给出，结果与运行测试的机器时区无关。
const at = (iso) => signing.parseTime(iso);

const DEADLINE = '2026-12-03T00:00:00+08:00';

function invitation(extra) {
  return Object.assign({
    type: 'online_agreement', id: 7, title: '线上签约 · 学信咨询服务有限公司', unit_name: '学信咨询服务有限公司',
    position: '数据分析师', status: 'waiting', status_label: '等待应约', invited_at: '2026-11-29T16:54:26.123456+08:00',
    response_days: 3, deadline: DEADLINE, agreement_no: null, failed_reason: null, can_answer: true,
    answer_refusal: null, accept_refusal: null, open_termination_id: null, last_decision: null,
    actions: { accept: true, decline: true, terminate: false, pdf: false, edit: false, submit: false, withdraw: false, void: false }
  }, extra || {});
}

function termination(extra) {
  return Object.assign({
    type: 'termination', id: 7, title: '解约申请 · 学信咨询服务有限公司', unit_name: '学信咨询服务有限公司',
    agreement_id: 3, agreement_no: '2023410001367556164', initiator: 'employer', initiator_label: '用人单位',
    reason: '05', reason_label: '单位原因', explanation: null, status: 'waiting', status_label: '等待对方回应',
    can_answer: true, answer_refusal: null, last_decision: null, decided_reason: null,
    actions: { accept: true, decline: true, cancel: false, edit: false, submit: false, withdraw: false, void: false }
  }, extra || {});
}

test('parseTime: offsets, Z, fractional seconds, space separator, default +08:00', () => {
  const utc = Date.UTC(2026, 11, 2, 16, 0, 0);
  assert.equal(at('2026-12-03T00:00:00+08:00'), utc);
  assert.equal(at('2026-12-03T00:00:00+0800'), utc);
  assert.equal(at('2026-12-02T16:00:00Z'), utc);
  assert.equal(at('2026-12-02T11:00:00-05:00'), utc);
  assert.equal(at('2026-12-03 00:00:00'), utc, 'no zone means Asia/Shanghai');
  assert.equal(at('2026-12-03T00:00:00.5+08:00'), utc + 500);
  assert.equal(at('2026-12-03T00:00:00.123456+08:00'), utc + 123);
  assert.ok(Number.isNaN(at('next tuesday')));
  assert.ok(Number.isNaN(at(null)));
});

test('remainingTime: days and hours, floored', () => {
  const r = signing.remainingTime(DEADLINE, at('2026-11-30T18:40:00+08:00'));
  assert.equal(r.text, '还剩 2 天 5 小时');
  assert.equal(r.expired, false);
  assert.equal(r.urgent, false);
  assert.equal(signing.remainingTime(DEADLINE, at('2026-11-30T00:00:00+08:00')).text, '还剩 3 天');
});

test('remainingTime: across a day boundary counts elapsed time, not calendar days', () => {
  // 12-02 23:00 → 12-03 00:00：日期不同，但只剩 1 小时
  const r = signing.remainingTime(DEADLINE, at('2026-12-02T23:00:00+08:00'));
  assert.equal(r.text, '还剩 1 小时');
  assert.equal(r.urgent, true);
  // 12-01 23:30 → 12-03 00:00：1 天 0 小时 30 分
  assert.equal(signing.remainingTime(DEADLINE, at('2026-12-01T23:30:00+08:00')).text, '还剩 1 天');
  assert.equal(signing.remainingTime(DEADLINE, at('2026-12-02T00:30:00+08:00')).text, '还剩 23 小时 30 分钟');
  // 手机在别的时区：同一时刻，结果相同
  assert.equal(signing.remainingTime(DEADLINE, at('2026-12-02T15:00:00Z')).text, '还剩 1 小时');
});

test('remainingTime: minutes, under a minute, exactly at the deadline = expired, after it = expired', () => {
  assert.equal(signing.remainingTime(DEADLINE, at('2026-12-02T23:15:00+08:00')).text, '还剩 45 分钟');
  assert.equal(signing.remainingTime(DEADLINE, at('2026-12-02T23:59:30+08:00')).text, '还剩不足 1 分钟');
  const exact = signing.remainingTime(DEADLINE, at(DEADLINE));
  assert.equal(exact.expired, true);
  assert.equal(exact.text, '已过应约截止时间');
  assert.equal(signing.remainingTime(DEADLINE, at(DEADLINE) - 1).expired, false);
  assert.equal(signing.remainingTime(DEADLINE, at('2026-12-03T00:00:01+08:00')).expired, true);
  assert.equal(signing.remainingTime(null, Date.now()).text, '');
});

test('charCount counts characters like Array.from: Chinese 1 each, emoji (surrogate pairs) 1 each', () => {
  assert.equal(signing.charCount(''), 0);
  assert.equal(signing.charCount(null), 0);
  assert.equal(signing.charCount('协商一致'), 4);
  const emoji = '😀👍🏻𠮷';
  assert.equal(emoji.length, 8, 'UTF-16 length differs');
  assert.equal(signing.charCount(emoji), 4);
  assert.equal(signing.charCount(emoji), Array.from(emoji).length);
  assert.equal(signing.charCount('😀'), 1);
  assert.equal(signing.charCount('\uD83D'), 1, 'a lone surrogate is one character, as in Array.from');
  for (const s of ['abc', '解约😀说明', '𠮷野家', 'a\uDC00b']) assert.equal(signing.charCount(s), Array.from(s).length, s);
});

test('validateExplanation: 200 Chinese characters pass, 201 fail; counter n/200', () => {
  const ok = signing.validateExplanation('解'.repeat(200), 200);
  assert.equal(ok.over, false);
  assert.equal(ok.counterText, '200/200');
  assert.equal(ok.error, '');
  const bad = signing.validateExplanation('解'.repeat(201), 200);
  assert.equal(bad.over, true);
  assert.equal(bad.counterText, '201/200');
  assert.equal(bad.error, '解约说明不能超过200个字（现为201个字）');
  assert.equal(signing.validateExplanation('', 200).counterText, '0/200');
  assert.equal(signing.validateExplanation(undefined).max, 200, 'default max');
});

test('validateExplanation: 200 emoji are 200 characters (400 UTF-16 units); surrounding spaces not counted', () => {
  const e200 = '😀'.repeat(200);
  assert.equal(e200.length, 400);
  assert.equal(signing.validateExplanation(e200, 200).over, false);
  assert.equal(signing.validateExplanation(e200 + '😀', 200).over, true);
  // 后端先去掉首尾空白再计数
  assert.equal(signing.validateExplanation('  ' + '解'.repeat(200) + '\n', 200).over, false);
  assert.equal(signing.validateExplanation('   ', 200).counterText, '0/200');
});

test('validateTermination: reason required, explanation optional but limited; request body', () => {
  assert.deepEqual(signing.validateTermination({ reason: '', explanation: '' }).errors, { reason: '请选择解约原因', explanation: '' });
  assert.equal(signing.validateTermination({ reason: '07', explanation: '' }).ok, true);
  const r = signing.validateTermination({ reason: '07', explanation: '解'.repeat(201) }, 200);
  assert.equal(r.ok, false);
  assert.match(r.errors.explanation, /不能超过200个字/);
  assert.deepEqual(signing.terminationBody({ reason: '07', explanation: '  协商一致 ' }), { reason: '07', explanation: '协商一致' });
  assert.deepEqual(signing.terminationBody({ reason: '07', explanation: '  ' }), { reason: '07' });
});

test('mapApiFieldErrors: plain and "fields." keys map to the fields, others stay general', () => {
  const err = { code: 'invalid_fields', message: '解约申请有误，请按提示修改',
    fields: { reason: '请选择解约原因', 'fields.explanation': '解约说明不能超过200个字（现为201个字）', other: '别的问题' } };
  const m = signing.mapApiFieldErrors(err, ['reason', 'explanation']);
  assert.deepEqual(m.byField, { reason: '请选择解约原因', explanation: '解约说明不能超过200个字（现为201个字）' });
  assert.deepEqual(m.general, ['别的问题']);
  assert.equal(m.message, '解约申请有误，请按提示修改');
  assert.deepEqual(signing.mapApiFieldErrors(null, ['reason']), { byField: { reason: '' }, general: [], message: '' });
});

test('reasonPicker', () => {
  const reasons = [{ code: '01', label: '个人原因' }, { code: '05', label: '单位原因' }];
  assert.deepEqual(signing.reasonPicker(reasons, '05'), { labels: ['个人原因', '单位原因'], index: 1, label: '单位原因' });
  assert.equal(signing.reasonPicker(reasons, '').index, -1);
  assert.deepEqual(signing.reasonPicker(null).labels, []);
});

test('decorateEntry: waiting invitation shows its deadline, remaining time and a badge', () => {
  const now = at('2026-11-30T18:40:00+08:00');
  const e = signing.decorateEntry(invitation(), now);
  assert.equal(e.key, 'online_agreement-7');
  assert.equal(e.url, '/pages/agreement/agreement?id=7');
  assert.equal(e.deadlineLine, '应约截止 2026-12-03 00:00');
  assert.equal(e.remainingText, '还剩 2 天 5 小时');
  assert.equal(e.badge, '待回应');
  assert.equal(e.tagTone, 'orange');
  assert.equal(e.meta, '线上签约 · 数据分析师');
  // 本机时间已过截止：不再显示角标（后端仍以截止时间为准）
  const late = signing.decorateEntry(invitation(), at(DEADLINE));
  assert.equal(late.badge, '');
  assert.equal(late.remainingText, '');
  assert.match(late.note, /已过应约截止时间/);
  // 已接受其他邀请：只能查看，显示原因
  const ro = signing.decorateEntry(invitation({ can_answer: false, answer_refusal: '你已接受其他单位的签约邀请，其他邀请只能查看，不能操作',
    actions: { accept: false, decline: false } }), now);
  assert.equal(ro.badge, '');
  assert.match(ro.note, /其他邀请只能查看/);
});

test('decorateEntry: other statuses of agreements', () => {
  const now = at('2026-11-30T18:40:00+08:00');
  const signed = signing.decorateEntry(invitation({ status: 'signed', status_label: '签约完成', can_answer: false,
    agreement_no: '2023410001367556164' }), now);
  assert.equal(signed.deadlineLine, '');
  assert.equal(signed.badge, '');
  assert.equal(signed.tagTone, 'green');
  assert.equal(signed.meta, '线上签约 · 数据分析师 · 协议编号 2023410001367556164');
  const failed = signing.decorateEntry(invitation({ status: 'failed', status_label: '签约失败', can_answer: false,
    failed_reason: '岗位信息不符', last_decision: { action: 'reject', label: '不通过', by: '学校', reason: '岗位信息不符' } }), now);
  assert.equal(failed.tagTone, 'red');
  assert.equal(failed.note, '签约失败原因：岗位信息不符');
  assert.equal(failed.decision, '学校不通过：岗位信息不符');
  assert.equal(failed.decisionTone, 'bad');
  assert.equal(signing.decorateEntry(invitation({ status: 'reviewing', status_label: '待院系审核', can_answer: false }), now).tagTone, 'blue');
  assert.equal(signing.decorateEntry(invitation({ status: 'expired', status_label: '已失效', can_answer: false }), now).tagTone, 'grey');
});

test('decorateEntry: termination entries and plain records; keys are unique across types', () => {
  const t = signing.decorateEntry(termination());
  assert.equal(t.url, '/pages/termination/termination?id=7');
  assert.equal(t.badge, '待回应');
  assert.equal(t.meta, '用人单位发起 · 解约原因：单位原因');
  assert.equal(t.tagTone, 'orange');
  const mine = signing.decorateEntry(termination({ initiator: 'graduate', initiator_label: '毕业生', can_answer: false,
    answer_refusal: '等待用人单位回应', actions: { accept: false, decline: false, cancel: true } }));
  assert.equal(mine.badge, '');
  assert.equal(mine.note, '等待用人单位回应');
  const rec = signing.decorateEntry({ type: 'other_destination', id: 7, status: 'pending', status_label: '待院系审核',
    group_label: '升学', proof_count: 1, proof_min: 1, updated_at: '2026-05-01T08:30:00+08:00', last_decision: null });
  assert.equal(rec.url, '/pages/record/record?id=7');
  assert.equal(rec.tagTone, 'blue');
  assert.equal(rec.meta, '升学 · 证明材料 1 / 至少 1 张 · 更新于 2026-05-01 08:30');
  assert.equal(new Set([t.key, rec.key, signing.decorateEntry(invitation(), 0).key]).size, 3);
  assert.equal(signing.entryUrl({ id: 2 }), '/pages/record/record?id=2', 'records without a type are other_destination');
});

test('pendingAnswers and the 签就业协议书就业 entry', () => {
  const now = at('2026-11-30T18:40:00+08:00');
  const records = [invitation(), invitation({ id: 8, can_answer: false }), termination(), { type: 'other_destination', id: 1 }];
  assert.equal(signing.pendingAnswers(records, now), 2);
  assert.equal(signing.pendingAnswers(records, at(DEADLINE)), 1);
  const entry = { key: 'agreement', label: '签就业协议书就业', available: false, reason: '由用人单位在平台发起签约邀请，在登记记录中应约', subkinds: [] };
  const e = signing.decorateHomeEntry(entry, false, 2);
  assert.equal(e.info, true);
  assert.match(e.hint, /2 项待回应/);
  assert.match(e.tapMessage, /登记记录/);
  assert.match(signing.decorateHomeEntry(entry, false, 0).hint, /签约邀请显示在下方登记记录中/);
  const directed = signing.decorateHomeEntry(Object.assign({}, entry, { reason: '定向/委培毕业生不可网签' }), true, 0);
  assert.equal(directed.info, false);
  assert.equal(signing.decorateHomeEntry({ key: 'further_study', available: true }, false, 2).info, false);
});

test('agreementActions and agreementNotice follow actions, the deadline and the status', () => {
  const now = at('2026-11-30T18:40:00+08:00');
  const acts = signing.agreementActions(invitation(), now);
  assert.deepEqual(acts.map((a) => a.label), ['拒绝', '接受']);
  assert.match(acts[1].confirm, /其他单位的签约邀请只能查看/);
  assert.match(acts[1].confirm, /院系及学校审核/);
  assert.deepEqual(signing.agreementActions(invitation(), at(DEADLINE)), []);
  // D-1：已有其他去向时只能拒绝
  const d1 = invitation({ accept_refusal: '你已有当前毕业去向（升学），需先结束后才能接受签约邀请', actions: { accept: false, decline: true } });
  assert.deepEqual(signing.agreementActions(d1, now).map((a) => a.key), ['decline']);
  assert.match(signing.agreementNotice(d1, now).text, /不能接受/);
  assert.equal(signing.agreementNotice(invitation(), now).text, '');
  assert.match(signing.agreementNotice(invitation(), at(DEADLINE)).text, /已失效/);
  assert.match(signing.agreementNotice(invitation({ status: 'reviewing', status_label: '待学校审核' }), now).text, /待学校审核/);
  assert.match(signing.agreementNotice(invitation({ status: 'failed', failed_reason: '信息有误' }), now).text, /签约失败：信息有误.*重新发起/);
  assert.equal(signing.agreementNotice(invitation({ status: 'signed', agreement_no: '1' }), now).tone, 'ok');
});

test('decorateAgreement and decorateTermination; terminationActions', () => {
  const now = at('2026-12-02T23:00:00+08:00');
  const d = signing.decorateAgreement(Object.assign(invitation(), {
    explanation_max: 200, terminations: [termination({ type: undefined })]
  }), now);
  assert.equal(d.deadlineText, '2026-12-03 00:00');
  assert.equal(d.invitedText, '2026-11-29 16:54');
  assert.equal(d.remainingText, '还剩 1 小时');
  assert.equal(d.urgent, true);
  assert.equal(d.answerable, true);
  assert.equal(d.terminations[0].url, '/pages/termination/termination?id=7');
  assert.equal(d.explanationMax, 200);

  const t = signing.decorateTermination(termination({ explanation: '协商一致' }));
  assert.deepEqual(t.rows.map((r) => r.label), ['解约单位名称', '协议编号', '解约发起方', '解约原因', '解约说明']);
  assert.equal(t.rows[4].value, '协商一致');
  assert.equal(t.notice.tone, 'warn');
  assert.deepEqual(signing.terminationActions(termination()).map((a) => a.label), ['拒绝', '同意解约']);
  const mine = termination({ initiator: 'graduate', can_answer: false, actions: { accept: false, decline: false, cancel: true } });
  assert.deepEqual(signing.terminationActions(mine).map((a) => a.label), ['撤销申请']);
  assert.match(signing.decorateTermination(mine).notice.text, /等待用人单位回应/);
  assert.match(signing.decorateTermination(termination({ status: 'rejected', can_answer: false, decided_reason: '未协商一致' })).notice.text,
    /解约失败.*未协商一致/);
  assert.equal(signing.decorateTermination(termination({ status: 'approved', can_answer: false })).tagTone, 'green');
  assert.equal(signing.pdfFileName({ id: 3, agreement_no: '2023410001367556164' }), '2023410001367556164.pdf');
  assert.equal(signing.pdfFileName({ id: 3, agreement_no: null }), 'agreement-3.pdf');
});
