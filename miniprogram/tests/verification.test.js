const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const va = require('../utils/verification.js');

const recorded = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'recorded', name + '.json'), 'utf8')).body;

test('VA-3: the range is inclusive at both ends and wants YYYY-MM-DD', () => {
  assert.equal(va.inRange('2026-06-01', '2026-06-01', '2027-12-31'), true);
  assert.equal(va.inRange('2027-12-31', '2026-06-01', '2027-12-31'), true);
  assert.equal(va.inRange('2028-01-01', '2026-06-01', '2027-12-31'), false);
  assert.equal(va.inRange('2026-05-31', '2026-06-01', '2027-12-31'), false);
  assert.equal(va.inRange('2026-6-1', '2026-06-01', '2027-12-31'), false);
});

test('VA-1: without the confirmation the page is only the reason', () => {
  const v = va.pageView(recorded('verifications_locked'));
  assert.deepEqual(v, { locked: true, reason: '需完成去向登记确认才能进行核验授权' });
});

test('VA-2, VA-3: modules of fig. 43 before any number', () => {
  const v = va.pageView(recorded('verifications_available'));
  const [archive, hukou] = v.modules;
  assert.deepEqual([archive.available, archive.numberText, archive.validText, archive.statusLabel, archive.actionLabel],
    [true, '暂未生成核验编号', '暂无', '未设置', '设置有效期']);
  assert.deepEqual([archive.start, archive.end, archive.pickerValue], ['2026-06-01', '2027-12-31', '2027-12-31']);
  assert.equal(hukou.available, false);
  assert.match(hukou.reason, /户口信息/);
  assert.equal(v.latestText, '2027年12月31日');
});

test('VA-3, VA-8: an active number — shown grouped, copied plain, can be ended; a new one replaces it', () => {
  const archive = va.pageView(recorded('verifications_active')).modules[0];
  assert.equal(archive.numberText, 'AREC-ORDE-D000-1P');
  assert.equal(archive.active.number, 'ARECORDED0001P');
  assert.equal(archive.active.canClose, true);
  assert.equal(archive.active.staleNote, '');
  assert.equal(archive.pickerValue, '2026-12-31');
  assert.equal(archive.tone, 'green');
  assert.match(va.setConfirmText(archive, '2027-01-31'), /原核验编号 AREC-ORDE-D000-1P 将立即失效/);
  assert.match(va.closeConfirmText(archive), /AREC-ORDE-D000-1P 立即失效/);
  assert.equal(va.pdfFileName(archive.active), 'ARECORDED0001P.pdf');
});

test('VA-8: after 提前结束 the module reads 已结束 (from the history row) and can be set again', () => {
  const v = va.pageView(recorded('verifications_closed'));
  const archive = v.modules[0];
  assert.deepEqual([archive.active, archive.statusLabel, archive.actionLabel], [null, '已结束', '设置有效期']);
  assert.match(archive.endedNote, /已于 2026-06-01 09:57 提前结束/);
  assert.equal(v.modules[1].statusLabel, '未设置');
  assert.deepEqual(v.history.map((r) => [r.statusLabel, r.endedText]), [['已结束', '2026-06-01 09:57']]);
});

test('VA-3: an expired one cannot be ended; the picker starts from the new today', () => {
  const archive = va.pageView(recorded('verifications_expired')).modules[0];
  assert.deepEqual([archive.statusLabel, archive.tone, archive.active.canClose, archive.endedNote], ['已过期', 'orange', false, '']);
  assert.equal(archive.start, '2026-06-02');
  assert.equal(archive.pickerValue, '2027-12-31');  // its own date is past: the latest day
});

test('CF-5: 生效中 but not verifying (the confirmation fell away) is said so', () => {
  const a = Object.assign({}, recorded('verifications_active').modules[0].active, { valid: false });
  assert.match(va.activeView(a).staleNote, /去向登记确认已不再有效/);
});
