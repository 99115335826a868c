// API 基础地址。真机调试或上线时改为 HTTPS 域名，并在微信公众平台配置 request/uploadFile/downloadFile 合法域名。
// webUrl：毕业生网页版（手机浏览器），默认与 API 同域的 /graduate/。
module.exports = {
  apiBase: 'http://127.0.0.1:5000/api/v1',
  webUrl: ''
};
