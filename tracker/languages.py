"""Which language a visitor who has not chosen one reads the site in."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

# For a browser that asks for neither of the site's languages (German, Spanish…): English is the one
# more of them read, the site's default (French) the one the summit's documents are written in.
FOREIGN_FALLBACK = "en"


def foreign_browser(request) -> bool:
    """
    Return True for a browser whose Accept-Language names neither of the site's languages, with no
    language in the address nor chosen (the cookie): it reads the site in FOREIGN_FALLBACK. A client
    that sends no Accept-Language at all (a script, a crawler) gets the default, as before.
    """
    if translation.get_language_from_path(request.path_info) is not None:
        return False
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return False
    asked = [code for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", ""))]
    if not asked or asked == ["*"]:
        return False
    ours = {code for code, _name in settings.LANGUAGES}
    return not any(code.split("-")[0].lower() in ours for code in asked)


class BrowserLanguageMiddleware(LocaleMiddleware):
    """
    Django's LocaleMiddleware, except that a foreign browser (`foreign_browser`) is answered in
    English rather than in the default language. The page cache predicts the same choice
    (tracker/cache.py: _language).
    """

    def process_request(self, request):
        super().process_request(request)
        if foreign_browser(request):
            translation.activate(FOREIGN_FALLBACK)
            request.LANGUAGE_CODE = FOREIGN_FALLBACK
