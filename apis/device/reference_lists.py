"""Lists an app shows while setting up: profile/list (the operator's kinds of account profiles),
country/list and country/info (where is the subscriber)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from common.client_address import client_ip
from common.readers import Text
from tvmiddleware.models import ProfileType
from tvmiddleware.selectors.countries import country_list as countries_of, locate

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import flag, ok
from apikit.spec import FLAG, INT, STR, ListOf, Obj, Param

from .errors import INVALID_PARAM

LANG = Param("lang", Text(16), default="", description="The language of the country names (ISO 639-1, e.g. `ru`); "
                                                        "English without it or when no translation exists.")
PROFILE_ROW = Obj(id=INT, name=STR, default=FLAG, show_adult_content=FLAG, description=STR)
COUNTRY_ROW = Obj(id=INT, code=STR, alpha3=STR, name=STR)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(profiles=ListOf(PROFILE_ROW)))
def profile_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The kinds of account profiles the operator offers, in its order (one query)."""
    rows = (ProfileType.objects.for_client(ctx.client).order_by("sort", "id")
            .values("id", "name", "is_default", "show_adult_content", "description"))
    return ok(profiles=[{"id": row["id"], "name": row["name"], "default": flag(row["is_default"]),
                         "show_adult_content": flag(row["show_adult_content"]), "description": row["description"]}
                        for row in rows], error_message="")


@device_method(auth=Auth.API_KEY, invalid_param_error=INVALID_PARAM, params=(LANG,),
               response=Obj(countries=ListOf(COUNTRY_ROW)))
def country_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The countries the operator serves in its order, else every ISO 3166-1 country by name: `id` the
    ISO numeric code, `code` alpha-2, `alpha3`, `name` (in `lang` when known). One query."""
    return ok(countries=[{"id": c.id, "code": c.code, "alpha3": c.alpha3, "name": c.name}
                         for c in countries_of(client=ctx.client, lang=ctx.args.lang)], error_message="")


@device_method(auth=Auth.API_KEY, invalid_param_error=INVALID_PARAM, params=(LANG,),
               response=Obj(country_name=STR, country_code=STR, city_name=STR))
def country_info(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The country (and city) of the caller's address, from the operator's networks by country
    (the most specific one that holds it); empty strings when none does."""
    found = locate(client=ctx.client, ip=client_ip(request), lang=ctx.args.lang)
    country = found.country
    return ok(country_name=country.name if country else "", country_code=country.code if country else "",
              city_name=found.city_name, error_message="")
