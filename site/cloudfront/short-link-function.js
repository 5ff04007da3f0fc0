// CloudFront Function (viewer request, runtime cloudfront-js-2.0) for the cache behaviour /r/*:
// a reminder SMS's short link /r/<code> is answered with the renewal page, whose script reads
// the code from the address; any other /r/ address goes on to S3 (and its 404 page).
// Attach the renewdesk-site-renew-page response-headers policy to /r/* too: no Referer leaves.
function handler(event) {
  var request = event.request;
  if (/^\/r\/[0-9A-Za-z]{12}$/.test(request.uri)) {
    request.uri = "/renew/index.html";
  }
  return request;
}
