"""What every page's navigation needs to know about the viewer."""

from django.utils.functional import SimpleLazyObject

from routing.selectors import user_role


def viewer_role(request) -> dict:
    """`role` (`selectors.UserRole`) for the navigation's links, read once per page and only
    by a page that shows them (a lazy object: the API and the admin never query it)."""
    return {"role": SimpleLazyObject(lambda: user_role(request.user))}
