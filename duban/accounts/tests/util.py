from duban.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def events(action):
    from duban.audit.models import Event

    return list(Event.objects.filter(action=action).order_by("id"))
