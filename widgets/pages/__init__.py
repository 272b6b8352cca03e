"""The widget types with forms, one module each: `render(request, widget) -> HttpResponse` answers GET
and the type's own POSTs (always through `base.posted_form`)."""
