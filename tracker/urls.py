"""
The site's addresses, in one namespace (`tracker:`): the public pages (public/urls.py) and the
workspaces (workspace/urls.py).
"""

from .public.urls import urlpatterns as public
from .workspace.urls import urlpatterns as workspaces

app_name = "tracker"

urlpatterns = [*public, *workspaces]
