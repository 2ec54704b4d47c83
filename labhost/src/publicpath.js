// Static files come from the server's fullStaticUrl, known only from the page config at run time.
const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
// eslint-disable-next-line no-undef, camelcase
__webpack_public_path__ = config.fullStaticUrl + '/';
