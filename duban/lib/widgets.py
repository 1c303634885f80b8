"""Form widgets that render in Python what Django renders through templates."""
from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: False left out, True as a bare name."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


class QuickSelect(forms.Select):
    """The same HTML as Django's Select, without one template rendering and one option
    dictionary per <option> (a list of 60 units costs ≈ 10 ms through the templates,
    well under 1 ms here). duban/lib/tests/test_widgets.py compares the two."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        chosen = self.format_value(value)
        parts = [f'<select name="{conditional_escape(name)}"{_attrs(attrs)}>']
        has_selected = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, (list, tuple))
            if grouped and option_value:
                parts.append(format_html('\n  <optgroup label="{}">', option_value))
            for sub_value, sub_label in (option_label if grouped else [(option_value, option_label)]):
                text = str(sub_value)
                selected = (not has_selected or self.allow_multiple_selected) and text in chosen
                has_selected |= selected
                parts.append(f'\n  <option value="{conditional_escape(text)}"{" selected" if selected else ""}>'
                             f'{conditional_escape(sub_label)}</option>')
            if grouped and option_value:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))
