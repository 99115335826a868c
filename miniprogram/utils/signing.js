/**
 * 纯函数：网上签约（签约邀请、协议）与线上解约的显示与校验（指南 §4.1–4.2，图8–18）。
 * 本文件不调用任何 wx.* 接口，可在 Node 中直接测试（node --test miniprogram/tests/）。
 */
var forms = require('./forms.js');

var MINUTE = 60 * 1000;
var HOUR = 60 * MINUTE;
var DAY = 24 * HOUR;

/** 平台唯一时区（Asia/Shanghai，无夏令时）：不带时区的时间按 +08:00 理解。 */
var DEFAULT_OFFSET_MINUTES = 8 * 60;

var EXPLANATION_MAX = 200;

// --- 时间 -----------------------------------------------------------------------------------

/**
 * ISO 时间（如 2023-01-13T00:00:00+08:00、带小数秒或 Z）→ 毫秒时间戳；无法识别时返回 NaN。
 * 自行解析而不用 Date.parse：旧版 iOS 不认 "YYYY-MM-DD HH:mm:ss"，且结果不能依赖手机时区。
 */
function parseTime(iso) {
  if (iso instanceof Date) return iso.getTime();
  if (typeof iso === 'number') return iso;
  if (!iso) return NaN;
  var m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/
    .exec(String(iso).trim());
  if (!m) return NaN;
  var ms = m[7] ? parseInt((m[7] + '00').slice(0, 3), 10) : 0;
  var utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0), ms);
  var offset = DEFAULT_OFFSET_MINUTES;
  if (m[8] === 'Z') offset = 0;
  else if (m[8]) {
    var sign = m[8].charAt(0) === '-' ? -1 : 1;
    var digits = m[8].slice(1).replace(':', '');
    offset = sign * (parseInt(digits.slice(0, 2), 10) * 60 + (digits.length > 2 ? parseInt(digits.slice(2), 10) : 0));
  }
  return utc - offset * MINUTE;
}

function nowMs(now) {
  if (now === undefined || now === null) return Date.now();
  return parseTime(now);
}

/**
 * 距截止时间还剩多久（向下取整，不夸大剩余时间）。恰好到截止时间即为已过（ON-3）。
 * → {expired, urgent（不足 24 小时）, ms, text}，text 如 "还剩 2 天 5 小时"。
 */
function remainingTime(deadline, now) {
  var end = parseTime(deadline);
  var cur = nowMs(now);
  if (isNaN(end) || isNaN(cur)) return { expired: false, urgent: false, ms: NaN, text: '' };
  var ms = end - cur;
  if (ms <= 0) return { expired: true, urgent: false, ms: ms, text: '已过应约截止时间' };
  var days = Math.floor(ms / DAY);
  var hours = Math.floor((ms % DAY) / HOUR);
  var minutes = Math.floor((ms % HOUR) / MINUTE);
  var text;
  if (days > 0) text = '还剩 ' + days + ' 天' + (hours ? ' ' + hours + ' 小时' : '');
  else if (hours > 0) text = '还剩 ' + hours + ' 小时' + (minutes ? ' ' + minutes + ' 分钟' : '');
  else if (minutes > 0) text = '还剩 ' + minutes + ' 分钟';
  else text = '还剩不足 1 分钟';
  return { expired: false, urgent: ms < DAY, ms: ms, text: text };
}

// --- 解约说明 -------------------------------------------------------------------------------

/**
 * 字数：按字符（Unicode 码点）计，与 Array.from(str).length 相同——汉字 1 个，emoji（代理对）也算 1 个，
 * 与后端 Python len() 一致。用正则实现以免依赖旧基础库中的 Array.from。
 */
function charCount(s) {
  if (s === undefined || s === null) return 0;
  return String(s).replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length;
}

/** 解约说明：选填，去掉首尾空白后不超过 max 个字（OT-1；后端同样去空白后计数）。 */
function validateExplanation(text, max) {
  max = max || EXPLANATION_MAX;
  var count = charCount(String(text || '').trim());
  var over = count > max;
  return {
    count: count,
    max: max,
    over: over,
    counterText: count + '/' + max,
    error: over ? '解约说明不能超过' + max + '个字（现为' + count + '个字）' : ''
  };
}

/** 提交前校验解约申请：解约原因必选，解约说明不超过上限。→ {ok, errors: {reason, explanation}} */
function validateTermination(form, max) {
  form = form || {};
  var errors = { reason: '', explanation: '' };
  if (form.reason === undefined || form.reason === null || String(form.reason) === '') errors.reason = '请选择解约原因';
  errors.explanation = validateExplanation(form.explanation, max).error;
  return { ok: !errors.reason && !errors.explanation, errors: errors };
}

/** 解约申请提交的请求体（说明为空时不传）。 */
function terminationBody(form) {
  var text = String((form && form.explanation) || '').trim();
  var body = { reason: form && form.reason !== undefined && form.reason !== null ? String(form.reason) : '' };
  if (text) body.explanation = text;
  return body;
}

/**
 * 把 API 错误的 fields 映射到给定字段：键为 "reason" 或 "fields.reason" 均可；
 * 其他键放入 general（不吞掉信息）。→ {byField: {每个 key: 信息或 ''}, general: [], message}
 */
function mapApiFieldErrors(err, keys) {
  var byField = {};
  (keys || []).forEach(function (k) { byField[k] = ''; });
  var general = [];
  var fields = (err && err.fields) || {};
  Object.keys(fields).forEach(function (k) {
    var key = k.replace(/^fields\./, '');
    if (Object.prototype.hasOwnProperty.call(byField, key)) byField[key] = fields[k];
    else general.push(fields[k]);
  });
  return { byField: byField, general: general, message: (err && err.message) || '' };
}

/** 解约原因选择器：选项文字、当前下标。 */
function reasonPicker(reasons, code) {
  reasons = reasons || [];
  var index = -1;
  for (var i = 0; i < reasons.length; i++) if (String(reasons[i].code) === String(code)) index = i;
  return {
    labels: reasons.map(function (r) { return r.label; }),
    index: index,
    label: index >= 0 ? reasons[index].label : ''
  };
}

// --- 状态标签与列表条目 ---------------------------------------------------------------------

var AGREEMENT_TONES = {
  waiting: 'orange',
  expired: 'grey',
  declined: 'grey',
  reviewing: 'blue',
  signed: 'green',
  failed: 'red',
  terminated: 'grey'
};

var TERMINATION_TONES = {
  waiting: 'orange',
  declined: 'red',
  cancelled: 'grey',
  reviewing: 'blue',
  approved: 'green',
  rejected: 'red'
};

/** 条目类型 + 状态 → 标签颜色（app.wxss 中的 .tag-<tone>）。 */
var OFFLINE_TONES = {
  draft: 'grey', agreement_review: 'blue', agreement_returned: 'orange', agreement_failed: 'red',
  agreement_passed: 'green', signing_review: 'blue', signing_returned: 'orange', signing_failed: 'red',
  signed: 'green', terminated: 'grey', pending: 'blue', returned: 'orange', approved: 'green', rejected: 'red'
};

function toneFor(type, status) {
  if (type === 'online_agreement') return AGREEMENT_TONES[status] || 'grey';
  if (type === 'termination') return TERMINATION_TONES[status] || 'grey';
  if (OFFLINE_TYPES[type]) return OFFLINE_TONES[status] || 'grey';
  return forms.statusTag(status).tone;
}

/** 各类条目的详情页。 */
function entryUrl(r) {
  if (r.type === 'online_agreement') return '/pages/agreement/agreement?id=' + r.id;
  if (r.type === 'offline_agreement' || r.type === 'paper_agreement') return '/pages/offline/offline?id=' + r.id;
  if (r.type === 'offline_termination') return '/pages/offline-termination/offline-termination?id=' + r.id;
  if (r.type === 'termination') return '/pages/termination/termination?id=' + r.id;
  return '/pages/record/record?id=' + r.id;
}

function decisionTone(d) {
  return d ? (d.action === 'pass' ? 'ok' : 'bad') : '';
}

/** 签约邀请此刻是否还能回应（后端说能，且按本机时间未到截止时间）。 */
function agreementAnswerable(r, now) {
  if (!r || !r.can_answer) return false;
  if (r.status !== 'waiting') return false;
  return !remainingTime(r.deadline, now).expired;
}

function decorateAgreementEntry(r, now) {
  var waiting = r.status === 'waiting';
  var remaining = waiting ? remainingTime(r.deadline, now) : null;
  var answerable = agreementAnswerable(r, now);
  var meta = ['线上签约'];
  if (r.position) meta.push(r.position);
  if (r.agreement_no) meta.push('协议编号 ' + r.agreement_no);
  var note = '';
  if (waiting && !answerable) note = (remaining && remaining.expired) ? '已过应约截止时间，签约邀请已失效' : (r.answer_refusal || '');
  else if (r.status === 'failed' && r.failed_reason) note = '签约失败原因：' + r.failed_reason;
  else if (r.open_termination_id) note = '有进行中的解约申请';
  return {
    deadlineLine: waiting ? '应约截止 ' + forms.formatTime(r.deadline) : '',
    remainingText: remaining && !remaining.expired ? remaining.text : '',
    urgent: !!(remaining && remaining.urgent && answerable),
    badge: answerable ? '待回应' : '',
    meta: meta.join(' · '),
    note: note
  };
}

function decorateTerminationEntry(r) {
  var meta = [(r.initiator_label || '') + '发起'];
  if (r.reason_label) meta.push('解约原因：' + r.reason_label);
  var note = '';
  if (r.can_answer) note = '用人单位发起的解约申请，等待你回应';
  else if (r.status === 'waiting' && r.initiator === 'graduate') note = '等待用人单位回应';
  else if (r.decided_reason && (r.status === 'rejected' || r.status === 'declined')) note = '原因：' + r.decided_reason;
  return {
    deadlineLine: '',
    remainingText: '',
    urgent: false,
    badge: r.can_answer ? '待回应' : '',
    meta: meta.join(' · '),
    note: note
  };
}

var OFFLINE_TYPES = { offline_agreement: true, paper_agreement: true, offline_termination: true };

/** 线下签约（电子就业协议书 / 已签协议）与线下解约的列表条目。 */
function decorateOfflineEntry(r) {
  var meta = [r.subkind_label || ''];
  if (r.type === 'offline_termination' && r.reason_label) meta.push('解约原因：' + r.reason_label);
  else if (r.position) meta.push(r.position);
  if (r.agreement_no) meta.push('协议编号 ' + r.agreement_no);
  var note = '';
  if (r.open_termination_id) note = '有进行中的解约申请';
  else if (r.actions && r.actions.upload_pages) note = '请下载协议书，盖章后回传';
  return { deadlineLine: '', remainingText: '', urgent: false, badge: '', meta: meta.join(' · '), note: note };
}

/**
 * 登记记录列表中的一项（other_destination / online_agreement / termination）→ 显示用对象。
 * 补充：key（列表唯一键，不同类型的 id 会重复）、url、tagTone、badge、meta、deadlineLine、note、decision。
 */
function decorateEntry(r, now) {
  var type = r.type || 'other_destination';
  var base;
  if (type === 'online_agreement') base = decorateAgreementEntry(r, now);
  else if (type === 'termination') base = decorateTerminationEntry(r);
  else if (OFFLINE_TYPES[type]) base = decorateOfflineEntry(r);
  else {
    var rec = forms.decorateRecord(r);
    base = {
      deadlineLine: '', remainingText: '', urgent: false, badge: '', note: '',
      meta: rec.group_label + ' · ' + rec.proofText + ' · 更新于 ' + rec.updatedText,
      proofText: rec.proofText,
      updatedText: rec.updatedText
    };
  }
  return Object.assign({}, r, base, {
    type: type,
    key: type + '-' + r.id,
    url: entryUrl({ type: type, id: r.id }),
    tagTone: toneFor(type, r.status),
    decision: forms.decisionText(r.last_decision),
    decisionTone: decisionTone(r.last_decision)
  });
}

/** 待回应的签约邀请和解约申请数量。 */
function pendingAnswers(records, now) {
  return (records || []).filter(function (r) {
    if (r.type === 'online_agreement') return agreementAnswerable(r, now);
    if (r.type === 'termination') return !!r.can_answer;
    return false;
  }).length;
}

/**
 * 去向页的登记入口。“签就业协议书就业”没有可自己填写的子类型：线上签约由用人单位发起，
 * 邀请显示在下方登记记录中（定向/委培毕业生不可网签，沿用后端原因）。
 */
function decorateHomeEntry(entry, directed, pending) {
  var e = Object.assign({}, entry, { info: false, hint: '', tapMessage: '', modes: [] });
  if (entry.key === 'agreement' && entry.subkinds && entry.subkinds.length) {
    // 线下签约：向学校申请电子就业协议书（eagreement）或已签协议信息登记（paper），各自打开申请表
    e.modes = entry.subkinds.map(function (k) {
      return { key: k.key, label: k.label, available: !!k.available, reason: k.reason || '' };
    });
    e.hint = entry.note || '';
    if (pending > 0) e.hint += (e.hint ? ' ' : '') + '你有 ' + pending + ' 项待回应，见下方登记记录';
    return e;
  }
  if (entry.key === 'agreement' && !directed) {
    e.info = true;
    e.hint = pending > 0 ? '你有 ' + pending + ' 项待回应，见下方登记记录' : '签约邀请显示在下方登记记录中';
    e.tapMessage = '线上签约由用人单位在平台向你发起签约邀请。收到的邀请会显示在下方“登记记录”中，' +
      '点击可查看签约信息，并在应约截止时间前接受或拒绝；用人单位发起的解约申请也在其中回应。';
  }
  return e;
}

// --- 详情页 ---------------------------------------------------------------------------------

/** 协议详情顶部的状态说明（{tone: 'notice'|'warn'|'ok'|'', text}）。 */
function agreementNotice(d, now) {
  if (!d) return { tone: '', text: '' };
  switch (d.status) {
    case 'waiting':
      if (agreementAnswerable(d, now)) {
        if (d.accept_refusal) return { tone: 'warn', text: '不能接受：' + d.accept_refusal + '。你仍可以拒绝该邀请。' };
        return { tone: '', text: '' };
      }
      if (remainingTime(d.deadline, now).expired) return { tone: 'warn', text: '已超过应约截止时间，签约邀请已失效' };
      return { tone: 'warn', text: d.answer_refusal || '该签约邀请现在不能回应' };
    case 'expired':
      return { tone: 'warn', text: d.answer_refusal || '已超过应约截止时间，签约邀请已失效' };
    case 'declined':
      return { tone: 'notice', text: '你已拒绝该签约邀请。' };
    case 'reviewing':
      return { tone: 'notice', text: '你已接受签约邀请，' + (d.status_label || '审核中') + '。审核进度见下方办理记录。' };
    case 'signed':
      return { tone: 'ok', text: '签约完成' + (d.agreement_no ? '，协议编号 ' + d.agreement_no : '') + '。可以预览、下载电子就业协议书。' };
    case 'failed':
      return {
        tone: 'warn',
        text: '签约失败' + (d.failed_reason ? '：' + d.failed_reason : '') +
          '。如仍需签约，请根据失败原因与用人单位协商一致，由用人单位重新发起签约邀请。'
      };
    case 'terminated':
      return { tone: 'notice', text: '该协议已解约。' };
    default:
      return { tone: '', text: '' };
  }
}

var AGREEMENT_ACTIONS = {
  decline: {
    label: '拒绝',
    confirm: '拒绝后该签约邀请结束，不能再接受；用人单位可以重新发起邀请。确定拒绝吗？',
    danger: true
  },
  accept: {
    label: '接受',
    confirm: '接受后将提交院系及学校审核，审核通过后签约完成。接受后其他单位的签约邀请只能查看，不能再回应。确定接受该签约邀请吗？',
    danger: false
  }
};

var TERMINATION_ACTIONS = {
  decline: {
    label: '拒绝',
    confirm: '拒绝后解约失败，签约仍有效。确定拒绝该解约申请吗？',
    danger: true
  },
  accept: {
    label: '同意解约',
    confirm: '同意后将提交院系及学校审核，审核通过后解约完成，协议失效。确定同意解约吗？',
    danger: false
  },
  cancel: {
    label: '撤销申请',
    confirm: '撤销后该解约申请结束，签约仍有效。确定撤销吗？',
    danger: true
  }
};

function actionList(entry, order, table) {
  return order.filter(function (a) { return forms.canDo(entry, a); }).map(function (a) {
    var spec = table[a];
    return { key: a, label: spec.label, confirm: spec.confirm, danger: spec.danger };
  });
}

/** 签约邀请的回应按钮（依据 actions；按本机时间已过截止时间则不显示，后端同样拒绝）。 */
function agreementActions(d, now) {
  if (!d || (d.status === 'waiting' && remainingTime(d.deadline, now).expired)) return [];
  return actionList(d, ['decline', 'accept'], AGREEMENT_ACTIONS);
}

/** 解约申请的按钮：对方发起时 拒绝 / 同意解约，本人发起且对方未回应时 撤销申请。 */
function terminationActions(t) {
  return actionList(t, ['decline', 'accept', 'cancel'], TERMINATION_ACTIONS);
}

/** 协议详情（GET /agreements/{id}）→ 页面数据。 */
function decorateAgreement(d, now) {
  var waiting = d.status === 'waiting';
  var remaining = waiting ? remainingTime(d.deadline, now) : null;
  return Object.assign({}, d, {
    tagTone: toneFor('online_agreement', d.status),
    deadlineText: forms.formatTime(d.deadline),
    invitedText: forms.formatTime(d.invited_at),
    waiting: waiting,
    answerable: agreementAnswerable(d, now),
    remainingText: remaining ? remaining.text : '',
    remainingExpired: !!(remaining && remaining.expired),
    urgent: !!(remaining && remaining.urgent),
    notice: agreementNotice(d, now),
    decision: forms.decisionText(d.last_decision),
    decisionTone: decisionTone(d.last_decision),
    explanationMax: d.explanation_max || EXPLANATION_MAX,
    terminations: (d.terminations || []).map(function (t) { return decorateEntry(Object.assign({}, t, { type: 'termination' }), now); })
  });
}

/** 解约申请详情（GET /terminations/{id}）→ 页面数据。 */
function decorateTermination(t) {
  var notice = { tone: '', text: '' };
  if (t.can_answer) {
    notice = { tone: 'warn', text: '用人单位向你发起了解约申请。解约前应与用人单位协商一致：同意后提交院系及学校审核；拒绝则解约失败，签约仍有效。回应没有时间限制。' };
  } else if (t.status === 'waiting' && t.initiator === 'graduate') {
    notice = { tone: 'notice', text: '等待用人单位回应，回应前你可以撤销申请。用人单位回应没有时间限制，若长时间未回应，可主动与单位沟通或联系学校协助解约。' };
  } else if (t.status === 'reviewing') {
    notice = { tone: 'notice', text: '双方已同意解约，' + (t.status_label || '审核中') + '。' };
  } else if (t.status === 'approved') {
    notice = { tone: 'ok', text: '解约完成。你可以与其他单位签约或登记毕业去向。' };
  } else if (t.status === 'rejected') {
    notice = { tone: 'warn', text: '解约失败，签约仍有效' + (t.decided_reason ? '。原因：' + t.decided_reason : '') + '。如仍需解约，请与用人单位协商一致后重新申请。' };
  } else if (t.status === 'declined') {
    notice = { tone: 'warn', text: (t.initiator === 'graduate' ? '用人单位' : '你') + '拒绝了解约申请，解约失败，签约仍有效。' };
  } else if (t.status === 'cancelled') {
    notice = { tone: 'notice', text: '该解约申请已撤销，签约仍有效。' };
  }
  return Object.assign({}, t, {
    tagTone: toneFor('termination', t.status),
    notice: notice,
    decision: forms.decisionText(t.last_decision),
    decisionTone: decisionTone(t.last_decision),
    rows: [
      { label: '解约单位名称', value: t.unit_name || '--' },
      { label: '协议编号', value: t.agreement_no || '--' },
      { label: '解约发起方', value: t.initiator_label || '--' },
      { label: '解约原因', value: t.reason_label || '--' },
      { label: '解约说明', value: t.explanation || '--' }
    ]
  });
}

/** 办理记录：最近的在前，带列表唯一键（同一秒内的多条记录 at 可能相同）。 */
function historyView(history) {
  return forms.decorateHistory(history).reverse().map(function (h, i) {
    return Object.assign({}, h, { key: i });
  });
}

/** 电子就业协议书的本地文件名（用于分享/保存时的名称）。 */
function pdfFileName(d) {
  var no = d && d.agreement_no ? String(d.agreement_no).replace(/[^0-9A-Za-z_-]/g, '') : '';
  return (no || 'agreement-' + (d && d.id)) + '.pdf';
}

/**
 * wx.requestSubscribeMessage 的结果里同意了的模板：结果按模板 id 给出 'accept'、'reject'、'ban' 或
 * 'filter'，只有 'accept' 算数（success 回调本身不代表同意）。
 */
function acceptedTemplates(res, ids) {
  return (ids || []).filter(function (id) { return !!res && res[id] === 'accept'; });
}

module.exports = {
  acceptedTemplates: acceptedTemplates,
  EXPLANATION_MAX: EXPLANATION_MAX,
  parseTime: parseTime,
  remainingTime: remainingTime,
  charCount: charCount,
  validateExplanation: validateExplanation,
  validateTermination: validateTermination,
  terminationBody: terminationBody,
  mapApiFieldErrors: mapApiFieldErrors,
  reasonPicker: reasonPicker,
  toneFor: toneFor,
  entryUrl: entryUrl,
  agreementAnswerable: agreementAnswerable,
  decorateEntry: decorateEntry,
  pendingAnswers: pendingAnswers,
  decorateHomeEntry: decorateHomeEntry,
  agreementNotice: agreementNotice,
  agreementActions: agreementActions,
  terminationActions: terminationActions,
  decorateAgreement: decorateAgreement,
  decorateTermination: decorateTermination,
  historyView: historyView,
  pdfFileName: pdfFileName
};
