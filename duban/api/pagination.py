"""Pages of every API list: 50 a page by default, ``page_size`` up to 200."""
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = "页码超出范围"
