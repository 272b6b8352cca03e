"""Device API payment methods, relative to `/tvmiddleware/api/` (included when payments is installed)."""
urlpatterns: list = []
