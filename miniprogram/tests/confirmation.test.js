const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const cf = require('../utils/confirmation.js');

const recorded = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'recorded', name + '.json'), 'utf8')).body;

test('CF-3: the error body carries only the chosen kinds\' explanations, trimmed; no destination is null', () => {
  let form = cf.emptyForm();
  form = cf.toggleKind(form, 'hukou');
  form.hukou_explanation = '  户口迁往新单位 ';
  form.archive_explanation = 'not chosen';
  form.mobile = ' 13912345678 ';
  assert.deepEqual(cf.errorBody(form, 7), {
    report_id: 7, destination: null, archive: false, hukou: true, mobile: '13912345678', hukou_explanation: '户口迁往新单位'
  });
});

test('CF-3: 有变化/有错误 is one choice; tapping the chosen one again clears it', () => {
  let form = cf.toggleDestination(cf.emptyForm(), 'changed');
  assert.equal(form.destination, 'changed');
  form = cf.toggleDestination(form, 'wrong');
  assert.equal(form.destination, 'wrong');
  assert.equal(cf.toggleDestination(form, 'wrong').destination, '');
});

test('CF-3: the form model follows error_form — a radio for the destination, checkboxes for archive and hukou', () => {
  const spec = recorded('confirmation_open').error_form;
  const form = Object.assign(cf.emptyForm(), { destination: 'wrong', archive: true, archive_explanation: '档'.repeat(501) });
  const m = cf.errorFormModel(spec, form, { archive_explanation: '太长', kinds: '' });
  assert.deepEqual(m.kinds.map((k) => [k.key, k.radio, k.checked]), [['destination', true, true], ['archive', false, true], ['hukou', false, false]]);
  assert.deepEqual(m.kinds[0].choices.map((c) => [c.label, c.selected]), [['有变化', false], ['有错误', true]]);
  assert.equal(m.kinds[1].checkLabel, '档案转递信息有变化或存在错误');
  assert.equal(m.kinds[1].counterText, '501/500');
  assert.equal(m.kinds[1].over, true);
  assert.equal(m.kinds[1].explanationError, '太长');
  assert.equal(m.anyOver, true);
  // an unchosen kind over the limit does not block (it is not sent)
  const off = cf.errorFormModel(spec, Object.assign(cf.emptyForm(), { hukou_explanation: '户'.repeat(600) }));
  assert.equal(off.anyOver, false);
});

test('CF-3: counting is by character after trimming, an emoji is one', () => {
  assert.equal(cf.counter('  ab😀 ', 500).text, '3/500');
  assert.equal(cf.counter('字'.repeat(500), 500).over, false);
  assert.equal(cf.counter('字'.repeat(501), 500).over, true);
});

test('CF-3: the recorded field errors map onto the fields', () => {
  const err = recorded('confirmation_errors_invalid').error;
  const mapped = cf.mapErrors(err);
  assert.equal(mapped.byField.archive_explanation, err.fields.archive_explanation);
  assert.equal(mapped.byField.mobile, err.fields.mobile);
  assert.equal(mapped.byField.destination_explanation, '');
  assert.deepEqual(mapped.general, []);
});

test('CF-1…CF-5: the page model for each recorded state', () => {
  assert.equal(cf.pageView(recorded('confirmation_locked')).mode, 'locked');
  assert.equal(cf.pageView(recorded('confirmation_locked')).reason, recorded('confirmation_locked').reason);
  const open = cf.pageView(recorded('confirmation_open'));
  assert.deepEqual([open.mode, open.canAnswer, open.canRevoke, open.stateLabel], ['open', true, false, '待确认']);
  const error = cf.pageView(recorded('confirmation_error'));
  assert.deepEqual([error.mode, error.canAnswer, error.canRevoke], ['error', false, true]);
  assert.equal(error.answer.atText, '2026-06-01 09:52');
  assert.equal(cf.pageView(recorded('confirmation_revoke')).mode, 'open');
  assert.equal(cf.pageView(recorded('confirmation_confirmed')).mode, 'confirmed');
  assert.equal(cf.pageView(recorded('confirmation_awaiting_report')).canAnswer, false);
});

test('CF-6: the report body keeps the kinds in the listed order and leaves out empty optional fields', () => {
  const spec = recorded('violation_form');
  let form = cf.emptyViolation();
  form = cf.toggleViolationKind(form, 'internship_as_job');
  form = cf.toggleViolationKind(form, 'forced_signing');
  form.description = ' 说明 ';
  assert.deepEqual(cf.violationBody(form, spec), { kinds: ['forced_signing', 'internship_as_job'], description: '说明' });
  form.party = '某单位';
  form.mobile = '13900000000';
  assert.deepEqual(cf.violationBody(form, spec).party, '某单位');
  assert.deepEqual(cf.violationBody(cf.toggleViolationKind(form, 'forced_signing'), spec).kinds, ['internship_as_job']);
  const m = cf.violationModel(spec, Object.assign(cf.emptyViolation(), { description: '字'.repeat(501) }));
  assert.deepEqual([m.counterText, m.over, m.partyMax], ['501/500', true, 100]);
});

test('CF-6: own reports list with their state', () => {
  const rows = cf.reportRows(recorded('violation_form_with_report').reports);
  assert.deepEqual(rows.map((r) => [r.kindsText, r.party, r.statusLabel, r.createdText]),
    [['将毕业证书、学位证书发放与毕业生签约挂钩', '某某学院就业办', '待处理', '2026-06-01 09:55']]);
});
