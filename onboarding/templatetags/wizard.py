"""The wizard's repeated parts written in Python: its progress bar, the auth tabs, a connection test's checks.

Each was a loop a template spent a few microseconds a value on. templates/onboarding/_progress_bar.html,
_auth_tabs.html and _checklist.html hold the same markup as templates (indented as it sits in wizard.html),
and tests/test_wizard_tags.py compares each tag with its template.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from connections.auth_types import AuthType
from connections.models import Check, Onboarding
from onboarding.forms.wizard import CredentialFieldsForm
from onboarding.listing import When
from onboarding.markup import KeptMarkup, escaped
from onboarding.steps import Step

register = template.Library()


class KeptNode(template.Node):
    """Markup rendered once per process for a key and reused (`KeptMarkup`): the key must hold everything the
    block depends on but what a request brings, which the block is written with stand-ins for and each request's
    own values replace: the CSRF token, and the context's `stand_ins` ({stand-in: this request's value}, e.g. a
    new form's creation token), replaced whether the block was kept or not."""

    def __init__(
        self,
        key: template.base.FilterExpression,
        nodelist: template.NodeList,
        kept: KeptMarkup,
        when: template.base.FilterExpression | None = None,
    ) -> None:
        self.key, self.nodelist, self.kept, self.when = key, nodelist, kept, when

    def render(self, context: template.Context) -> str:
        key = self.key.resolve(context, ignore_failures=True)
        if self.when is not None and not self.when.resolve(context, ignore_failures=True):
            key = None
        stand_ins: dict[str, str] = context.get("stand_ins") or {}
        if key is None or "csrf_token" not in context:
            markup = str(self.nodelist.render(context))
        else:
            kept = self.kept.get(key)
            if kept is None:
                with context.push(csrf_token=TOKEN_STAND_IN):
                    kept = self.kept.keep(key, str(self.nodelist.render(context)))
            markup = kept
            stand_ins = {TOKEN_STAND_IN: str(context["csrf_token"]), **stand_ins}
        for stand_in, value in stand_ins.items():
            markup = markup.replace(stand_in, value)
        return mark_safe(markup)


# Random per process: no value a user types can contain it (and it is never served).
TOKEN_STAND_IN = secrets.token_hex(16)


@register.tag
def same_for_everyone(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    """`{% same_for_everyone "name" when condition %}…{% end_same_for_everyone %}`: while `condition` holds,
    the block is rendered once per process and its markup reused. For markup that depends on nothing a
    request brings but what it is written with stand-ins for: the new Account form (its CSRF and creation
    tokens), which every new onboarding opens with and which cost more to make and render than the rest of its
    page."""
    bits = token.split_contents()
    if len(bits) != 4 or bits[2] != "when" or bits[1][0] not in "\"'":
        raise template.TemplateSyntaxError('Use {% same_for_everyone "name" when condition %}.')
    nodelist = parser.parse(("end_same_for_everyone",))
    parser.delete_first_token()
    return KeptNode(parser.compile_filter(bits[1]), nodelist, SAME_FOR_EVERYONE, when=parser.compile_filter(bits[3]))


@register.tag
def kept_for(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    """`{% kept_for key %}…{% end_kept_for %}`: the block rendered once per process for each `key` (a value
    the view works out from the stored rows the block shows), rendered afresh when `key` is None."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("Use {% kept_for key %}.")
    nodelist = parser.parse(("end_kept_for",))
    parser.delete_first_token()
    return KeptNode(parser.compile_filter(bits[1]), nodelist, KEPT_FOR_ROWS)


SAME_FOR_EVERYONE = KeptMarkup(limit=16)
# A step's markup is about 9 KB (Done, Source): at most about 2.5 MB per web process, within its memory target.
KEPT_FOR_ROWS = KeptMarkup(limit=256)


@register.simple_tag
def progress_bar(step: Step) -> SafeString:
    """The steps, the current one marked and those before it done (_progress_bar.html)."""
    items = []
    for number, item in enumerate(Step, start=1):
        state = "current" if item == step else "done" if item.position < step.position else ""
        modifier = f" steps__item--{state}" if state else ""
        current = ' aria-current="step"' if state == "current" else ""
        done = '<span class="visually-hidden"> (done)</span>' if state == "done" else ""
        items.append(
            f'\n      <li class="steps__item{modifier}"{current}>\n'
            f'        <span class="steps__number" aria-hidden="true">{number}</span>\n'
            f'        <span class="steps__label">{escaped(item.label)}{done}</span>\n      </li>\n      '
        )
    return mark_safe("".join(items))


@register.simple_tag
def copyable(label: str, value: object, key: str) -> SafeString:
    """A value with its Copy button, as a row of a description list (_copy.html)."""
    key, label = escaped(key), escaped(label)
    return mark_safe(
        f'<div class="copyable">\n  <dt id="{key}-label">{label}</dt>\n  <dd>\n'
        f'    <code id="{key}">{escaped(value)}</code>\n'
        f'    <button type="button" class="copy" data-copy="{key}" aria-label="Copy {label}">Copy</button>\n'
        "  </dd>\n</div>"
    )


@register.simple_tag
def auth_tabs(form: CredentialFieldsForm, onboarding: Onboarding | None) -> SafeString:
    """A tab per auth type, the form's selected; each asks for its fields (_auth_tabs.html)."""
    selected = form.selected
    url = escaped(reverse("onboarding:auth_fields"))
    vals = f'hx-vals=\'{{"onboarding": "{escaped(onboarding.public_id)}"}}\'' if onboarding else ""
    tabs = []
    for tab in AuthType:
        value, chosen = escaped(tab.value), tab == selected
        tabs.append(
            f'\n    <button type="submit" formnovalidate name="switch_auth" value="{value}" role="tab" '
            f'id="tab-{value}"\n'
            f'            class="tab" aria-controls="auth-panel" aria-selected="{"true" if chosen else "false"}"\n'
            f'            tabindex="{"0" if chosen else "-1"}"\n'
            f'            hx-get="{url}" hx-target="#auth-section" hx-swap="outerHTML"\n'
            f"            {vals}>{escaped(tab.label)}</button>\n    "
        )
    return mark_safe("".join(tabs))


@register.simple_tag
def checklist(checks: Iterable[Check]) -> SafeString:
    """A connection test's checks, each with its state and detail (_checklist.html)."""
    items = []
    for check in checks:
        detail = f'<span class="check__detail">{escaped(check.detail)}</span>' if check.detail else ""
        items.append(
            f'\n    <li class="check check--{escaped(check.state)}">\n'
            '      <span class="check__icon" aria-hidden="true"></span>\n'
            f'      <span class="check__label">{escaped(check.label)}</span>\n'
            f'      <span class="visually-hidden">: {escaped(check.state.label)}</span>\n'
            f"      {detail}\n    </li>\n    "
        )
    return mark_safe("".join(items))


@register.filter
def moment(value: datetime | None) -> str:
    """`value|date:"j M Y, H:i"`, written as My onboardings writes its dates (listing.When), at a tenth of the
    date filter's cost."""
    return when.text if (when := When.of(value, year=True)) else ""


@register.filter
def moment_without_year(value: datetime | None) -> str:
    """`value|date:"j M, H:i"`."""
    return when.text if (when := When.of(value, year=False)) else ""
