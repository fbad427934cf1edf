"""The benchmark server's one addition: the number of database queries of each request, in
the `X-Bench-Queries` response header (counted by an execute wrapper, no DEBUG needed)."""

from django.db import connection


class QueryCountMiddleware:
    """Count the queries the rest of the stack runs for one request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count)
        return response
