from django import template

register = template.Library()


@register.filter
def field(record, name: str):
    """A record's value for display; choices show their label."""
    display = getattr(record, f"get_{name}_display", None)
    return display() if display else getattr(record, name, "")
