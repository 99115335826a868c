/**
 * 纯函数：线下签约（电子就业协议书线下签约、已签协议信息登记）与线下解约的页面模型。
 * 不调用 wx.*，数据来自 GET /offline-agreements/form、/offline-agreements/{id}、/offline-terminations/{id}。
 */
var forms = require('./forms.js');

var BLOCK_TITLES = { unit: '用人单位信息', terms: '签约信息' };
var MODE_TITLES = { eagreement: '向学校申请电子就业协议书', paper: '已签协议信息登记' };

var TONES = {
  draft: 'grey',
  agreement_review: 'blue',
  agreement_returned: 'orange',
  agreement_failed: 'red',
  agreement_passed: 'green',
  signing_review: 'blue',
  signing_returned: 'orange',
  signing_failed: 'red',
  signed: 'green',
  terminated: 'grey'
};

/**
 * 图21 的表单模型：后端字段定义（fields）+ 当前值 → 页面字段（forms.buildField），
 * 每组第一个字段带 blockTitle；“单位接收时必填”的字段带 condHint。
 */
function buildOfflineForm(formOut, values, mode) {
  values = values || {};
  var last = '';
  var fields = ((formOut && formOut.fields) || []).map(function (spec) {
    var f = forms.buildField(spec, values[spec.key]);
    f.block = spec.block || '';
    f.blockTitle = f.block !== last ? (BLOCK_TITLES[f.block] || '') : '';
    last = f.block;
    f.condHint = spec.required_if_unit_receive ? '选择单位接收时必填' : '';
    return f;
  });
  return { mode: mode, title: MODE_TITLES[mode] || '就业协议信息', fields: fields };
}

/**
 * 字段错误（{"error": {fields}}）写到对应字段上，其余放入 general。
 * 线下签约接口的 fields 键是字段键本身（如 contact_mobile），也接受 "fields.contact_mobile"。
 */
function applyFormErrors(fields, err) {
  var known = {};
  fields.forEach(function (f) { known[f.key] = true; });
  var byField = {};
  var general = [];
  var raw = (err && err.fields) || {};
  Object.keys(raw).forEach(function (k) {
    var key = k.replace(/^fields\./, '');
    if (known[key]) byField[key] = raw[k];
    else general.push(raw[k]);
  });
  return { fields: forms.applyErrors(fields, byField), general: general, count: Object.keys(byField).length };
}

/** 状态说明（详情页顶部）。 */
function offlineNotice(d) {
  var paper = d.mode === 'paper';
  switch (d.status) {
    case 'draft':
      return { tone: 'notice', text: paper ? '填写已签协议信息并上传协议书图片后提交签约审核。' : '填写完整后提交，学校审核通过后可下载电子就业协议书。' };
    case 'agreement_review':
      return { tone: 'notice', text: '就业协议审核中，审核人员处理前可以撤回修改。' };
    case 'agreement_returned':
      return { tone: 'warn', text: '协议审核待提交：老师退回了申请，请按意见修改后重新提交。' };
    case 'agreement_failed':
      return { tone: 'warn', text: '就业协议审核不通过，该申请已结束。' };
    case 'agreement_passed':
      if (d.pdf_pending) return { tone: 'notice', text: '就业协议审核通过，协议书正在生成，请稍后刷新。' };
      return { tone: 'ok', text: '就业协议审核通过。请下载电子协议书打印，用人单位盖章后由本人回传或请用人单位协助回传。' };
    case 'signing_review':
      return { tone: 'notice', text: '协议书已回传，签约审核中；审核人员处理前可以撤回，重新回传。' };
    case 'signing_returned':
      return { tone: 'warn', text: '签约审核退回，请按意见重新回传协议书。' };
    case 'signing_failed':
      return { tone: 'warn', text: '签约审核不通过，该协议已结束。' };
    case 'signed':
      return { tone: 'ok', text: '签约完成。' };
    case 'terminated':
      return { tone: 'notice', text: '该协议已解约。' };
    default:
      return { tone: '', text: '' };
  }
}

/**
 * 详情页的按钮（按 actions）。paper：草稿时在本页上传协议书图片，提交即签约审核（后端 actions.upload_pages 只指电子协议书）。
 */
function offlineButtons(d) {
  var a = d.actions || {};
  var out = [];
  if (a.edit) out.push({ key: 'edit', label: d.status === 'draft' ? '修改' : '修改后重新提交' });
  if (a.submit) out.push({ key: 'submit', label: '提交审核', primary: true });
  if (a.withdraw) out.push({ key: 'withdraw', label: '撤回修改' });
  if (a.pdf && d.pdf_url) out.push({ key: 'pdf', label: '点击下载电子协议书' });
  if (d.pdf_pending) out.push({ key: 'refresh', label: '协议书正在生成，刷新' });
  if (a.upload_pages) out.push({ key: 'submit_pages', label: '本人回传协议书', primary: true });
  if (a.employer_link) out.push({ key: 'employer_link', label: d.link ? '重新发送短信' : '用人单位协助回传协议书' });
  if (a.signed_pdf && d.signed_pdf_url) out.push({ key: 'signed_pdf', label: '下载签约完成的协议书' });
  if (a.terminate) out.push({ key: 'terminate', label: '申请解约', danger: true });
  if (d.open_termination_id) out.push({ key: 'termination', label: '查看解约申请' });
  return out;
}

/** 图片能否在本页上传/删除：电子协议书审核通过后（或签约退回），已签协议在可修改时。 */
function pagesOpen(d) {
  var a = d.actions || {};
  return d.mode === 'paper' ? !!a.edit : !!a.upload_pages;
}

/** 协助回传短信的状态（MS-3）：失败时提示重发。 */
function linkView(link) {
  if (!link) return null;
  var failed = link.delivery === 'failed';
  return {
    phone: link.phone,
    sentText: forms.formatTime(link.sent_at),
    expiresText: forms.formatTime(link.expires_at),
    label: failed ? '短信发送失败，请重试' : (link.delivery_label || ''),
    tone: failed ? 'bad' : (link.delivery === 'sent' ? 'ok' : ''),
    failed: failed,
    live: !!link.live
  };
}

/** 已识别的页（FS-10 覆盖情况）→ 一行说明。 */
function coverageText(c) {
  if (!c || !c.total) return '';
  var parts = ['协议书共 ' + c.total + ' 页，已上传 ' + c.count + ' 张'];
  if (c.missing && c.missing.length) parts.push('还缺第 ' + c.missing.join('、') + ' 页');
  else parts.push('每页都已上传');
  if (c.unread) parts.push(c.unread + ' 张未识别到页码');
  return parts.join('，');
}

function pagesView(pages) {
  return (pages || []).map(function (p) {
    return { id: p.id, url: p.url, path: '', note: p.page_note || '', ok: p.page_result === 'match', progress: 100 };
  });
}

/** GET /offline-agreements/{id} → 页面数据。 */
function decorateOffline(d) {
  return Object.assign({}, d, {
    tagTone: TONES[d.status] || 'grey',
    notice: offlineNotice(d),
    decision: forms.decisionText(d.last_decision),
    buttons: offlineButtons(d),
    pagesOpen: pagesOpen(d),
    link: linkView(d.link),
    coverageText: coverageText(d.coverage),
    requirement: d.page_requirement ? forms.proofRequirementText(d.page_requirement) : '',
    history: forms.decorateHistory(d.history).reverse().map(function (h, i) { return Object.assign({}, h, { key: i }); })
  });
}

var TERMINATION_TONES = { draft: 'grey', pending: 'blue', returned: 'orange', approved: 'green', rejected: 'red' };

function terminationNotice(t) {
  switch (t.status) {
    case 'draft': return { tone: 'notice', text: '选择解约原因并上传单位盖章的解约函后提交，院系及学校核实后审核。' };
    case 'pending': return { tone: 'notice', text: '解约申请审核中，审核人员处理前可以撤回。' };
    case 'returned': return { tone: 'warn', text: '解约申请被退回，请按意见修改后重新提交。' };
    case 'approved': return { tone: 'ok', text: '解约完成，协议失效。' };
    case 'rejected': return { tone: 'warn', text: '解约申请未通过，签约仍有效。' };
    default: return { tone: '', text: '' };
  }
}

/** GET /offline-terminations/{id} → 页面数据。 */
function decorateOfflineTermination(t) {
  var a = t.actions || {};
  return Object.assign({}, t, {
    tagTone: TERMINATION_TONES[t.status] || 'grey',
    notice: terminationNotice(t),
    decision: forms.decisionText(t.last_decision),
    editable: !!a.edit,
    history: forms.decorateHistory(t.history).reverse().map(function (h, i) { return Object.assign({}, h, { key: i }); })
  });
}

module.exports = {
  MODE_TITLES: MODE_TITLES,
  buildOfflineForm: buildOfflineForm,
  applyFormErrors: applyFormErrors,
  offlineNotice: offlineNotice,
  offlineButtons: offlineButtons,
  pagesOpen: pagesOpen,
  linkView: linkView,
  coverageText: coverageText,
  pagesView: pagesView,
  decorateOffline: decorateOffline,
  decorateOfflineTermination: decorateOfflineTermination
};
