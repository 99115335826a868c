/**
 * 纯函数：核验授权（图43、44）。不调用 wx.*。数据来自 GET /verifications：两个核验模块（档案信息核验、
 * 户口信息核验）各自能否设置及原因、生效中的核验（核验编号、有效期至、状态）、有效期可选的范围
 * [today, latest_valid_until]（VA-3）、全部核验记录。状态文字以接口的 status_label 为准。
 */

var TONES = { 未设置: 'grey', 生效中: 'green', 已过期: 'orange', 已结束: 'grey', 已重新设置: 'grey' };

function tone(label) { return TONES[label] || 'grey'; }

function isDate(s) { return /^\d{4}-\d{2}-\d{2}$/.test(String(s || '')); }

/** 有效期是否在可选范围内（含两端；按 YYYY-MM-DD 字符串比较）。 */
function inRange(value, today, latest) {
  return isDate(value) && value >= today && value <= latest;
}

/** 生效中的核验：此刻能否核验、能否提前结束；“生效中”却不能核验时说明原因（去向登记确认已不再有效，CF-5）。 */
function activeView(a) {
  if (!a) return null;
  var live = a.status === 'active' && a.status_label === '生效中';
  return {
    id: a.id,
    number: a.number,
    numberDisplay: a.number_display,
    validUntil: a.valid_until,
    validUntilText: a.valid_until_text,
    statusLabel: a.status_label,
    canClose: live,
    staleNote: live && !a.valid ? '去向登记确认已不再有效，该核验编号暂不能核验；请重新确认后再设置。' : ''
  };
}

/**
 * 一个模块（图43/44 的一栏）。没有生效中的核验而该模块最近一次核验是提前结束的（VA-8），状态显示那一条的
 * status_label（已结束）并说明可重新设置；否则为接口的模块状态（未设置 / 生效中 / 已过期）。
 */
function moduleView(m, page) {
  var active = activeView(m.active);
  var last = (page.history || []).filter(function (v) { return v.module === m.module; })[0];
  var ended = !active && last && last.status === 'closed' ? last : null;
  var label = ended ? ended.status_label : m.status_label;
  return {
    module: m.module,
    label: m.label,
    available: !!m.available,
    reason: m.reason || '',
    statusLabel: label,
    tone: tone(label),
    endedNote: ended ? '核验编号 ' + ended.number_display + ' 已于 ' + String(ended.ended_at || '').slice(0, 16) + ' 提前结束，不能再核验' : '',
    active: active,
    numberText: active ? active.numberDisplay : '暂未生成核验编号',
    validText: active ? active.validUntilText : '暂无',
    actionLabel: active ? '重新设置有效期' : '设置有效期',
    start: page.today,
    end: page.latest_valid_until,
    // 选择器打开时的日期：已设置的有效期，否则最晚可选的一天
    pickerValue: active && inRange(active.validUntil, page.today, page.latest_valid_until) ? active.validUntil : page.latest_valid_until
  };
}

function historyRows(history) {
  return (history || []).map(function (v) {
    return {
      id: v.id,
      label: v.label,
      numberDisplay: v.number_display,
      validUntilText: v.valid_until_text,
      statusLabel: v.status_label,
      tone: tone(v.status_label),
      createdText: String(v.created_at || '').slice(0, 16),
      endedText: v.ended_at ? String(v.ended_at).slice(0, 16) : ''
    };
  });
}

/** YYYY-MM-DD → 2027年12月31日 */
function dateText(s) {
  var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s || ''));
  return m ? m[1] + '年' + m[2] + '月' + m[3] + '日' : String(s || '');
}

/** GET /verifications → 页面模型；未完成去向登记确认时只有原因（VA-1）。 */
function pageView(out) {
  if (!out || !out.available) {
    return { locked: true, reason: (out && out.reason) || '需完成去向登记确认才能进行核验授权' };
  }
  return {
    locked: false,
    today: out.today,
    latest: out.latest_valid_until,
    latestText: dateText(out.latest_valid_until),
    modules: (out.modules || []).map(function (m) { return moduleView(m, out); }),
    history: historyRows(out.history)
  };
}

/** 设置有效期前的确认文字；已有生效中的核验时说明原编号立即失效（VA-8）。 */
function setConfirmText(mod, value) {
  var s = '有效期至 ' + dateText(value) + ' 23:59:59。设置后生成' + mod.label + '的核验编号，可查看、下载去向登记信息表。';
  if (mod.active) s += '原核验编号 ' + mod.active.numberDisplay + ' 将立即失效。';
  return s;
}

function closeConfirmText(mod) {
  return '提前结束后，核验编号 ' + mod.active.numberDisplay + ' 立即失效，档案或户籍接收管理部门将无法再核验；之后可重新设置。确定提前结束吗？';
}

/** 下载的信息表保存的文件名。 */
function pdfFileName(active) {
  var no = active && active.number ? String(active.number).replace(/[^0-9A-Za-z]/g, '') : '';
  return (no || 'verification-' + (active && active.id)) + '.pdf';
}

module.exports = {
  tone: tone,
  inRange: inRange,
  activeView: activeView,
  moduleView: moduleView,
  historyRows: historyRows,
  dateText: dateText,
  pageView: pageView,
  setConfirmText: setConfirmText,
  closeConfirmText: closeConfirmText,
  pdfFileName: pdfFileName
};
