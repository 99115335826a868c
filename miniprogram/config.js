// API 基础地址。真机调试或上线时改为 HTTPS 域名，并在微信公众平台配置 request/uploadFile/downloadFile 合法域名。
module.exports = {
  apiBase: 'http://127.0.0.1:5000/api/v1'
};
