"""Categories, class types, staff, rooms and pass products."""

from ninja import Query, Router, Schema, Status

from passbook.api.routers.common import M, caller, one, responds, sent
from passbook.api.schemas import (
    CategoryIn,
    CategoryOut,
    ClassTypeIn,
    ClassTypeOut,
    ProductIn,
    ProductOut,
    QueryId,
    ResourceIn,
    ResourceOut,
    StaffIn,
    StaffOut,
    list_of,
    money,
    partial,
)
from passbook.models import Category, ClassType, PassProduct, Resource, Staff, User
from passbook.services import passes, records

ProductPatch = partial(ProductIn)
router = Router(tags=["catalog"])
MANAGER = User.Role.MANAGER


def crud(
    path: str,
    name: str,
    model: type[M],
    schema_in: type[Schema],
    schema_out: type[Schema],
    staff_only: tuple[str, ...] = (),
) -> None:
    """List, read, create, update and delete for a simple catalog record.

    Everyone signed in may read (customers see the timetable's names), except the
    `staff_only` fields, which customers get empty; managers write.
    """

    rows = model._default_manager  # typed on every model, unlike `objects`

    def shown(request, row: M) -> object:
        if not staff_only or caller(request).is_staff:
            return row
        return schema_out.from_orm(row).dict() | dict.fromkeys(staff_only, "")

    @router.get(path, response=responds(200, list_of(schema_out)), operation_id=f"list_{name}")
    def list_all(request):
        return [shown(request, row) for row in rows.all()]

    @router.get(f"{path}/{{pk}}", response=responds(200, schema_out), operation_id=f"get_{name}")
    def get(request, pk: QueryId):
        return shown(request, one(rows.all(), pk, name.replace("_", " ")))

    @router.post(path, response=responds(201, schema_out), operation_id=f"create_{name}")
    def create(request, body: schema_in):  # type: ignore[valid-type]  # a class chosen at run time
        caller(request).require(MANAGER)
        data: Schema = body  # all mypy can know of it
        return Status(201, records.save(model(), data.dict()))

    patch = partial(schema_in)

    @router.patch(
        f"{path}/{{pk}}", response=responds(200, schema_out), operation_id=f"update_{name}"
    )
    def update(request, pk: QueryId, body: patch):  # type: ignore[valid-type]  # made at run time
        caller(request).require(MANAGER)
        return records.save(one(rows.all(), pk, name.replace("_", " ")), sent(body))

    @router.delete(f"{path}/{{pk}}", response=responds(204, None), operation_id=f"delete_{name}")
    def delete(request, pk: QueryId):
        caller(request).require(MANAGER)
        records.delete(one(rows.all(), pk, name.replace("_", " ")))
        return Status(204, None)


crud("/categories", "category", Category, CategoryIn, CategoryOut)
crud("/class-types", "class_type", ClassType, ClassTypeIn, ClassTypeOut)
crud("/staff", "staff", Staff, StaffIn, StaffOut, staff_only=("email",))
crud("/resources", "resource", Resource, ResourceIn, ResourceOut)


# Pass products: archived rather than deleted; customers see what they may buy online.


def _products(request):
    qs = PassProduct.objects.prefetch_related("categories", "class_types")
    if not caller(request).is_staff:
        qs = qs.filter(online_purchasable=True, archived=False)
    return qs


def _product_out(request, product: PassProduct) -> dict:
    return {
        **{f: getattr(product, f) for f in ProductOut.model_fields if hasattr(product, f)},
        "price": money(product.price, request.currency),
        "category_ids": sorted(c.id for c in product.categories.all()),
        "class_type_ids": sorted(c.id for c in product.class_types.all()),
    }


def _save_product(product: PassProduct, data: dict) -> PassProduct:
    links = {}
    for field, link in (("category_ids", "categories"), ("class_type_ids", "class_types")):
        if field in data:
            links[link] = data.pop(field)
    return records.save(product, data, links)


class ProductFilter(Schema):
    include_archived: bool = False


@router.get(
    "/products",
    response=responds(200, list[ProductOut]),
    operation_id="list_products",
    tags=["products"],
)
def list_products(request, filters: Query[ProductFilter]):
    qs = _products(request)
    if not filters.include_archived:
        qs = qs.filter(archived=False)
    return [_product_out(request, p) for p in qs]


@router.get("/products/{pk}", response=responds(200, ProductOut), tags=["products"])
def get_product(request, pk: QueryId):
    return _product_out(request, one(_products(request), pk, "pass product"))


@router.post("/products", response=responds(201, ProductOut), tags=["products"])
def create_product(request, body: ProductIn):
    caller(request).require(MANAGER)
    return Status(201, _product_out(request, _save_product(PassProduct(), body.dict())))


@router.patch("/products/{pk}", response=responds(200, ProductOut), tags=["products"])
def update_product(
    request,
    pk: QueryId,
    body: ProductPatch,  # type: ignore[valid-type]  # a class made at run time by partial()
):
    caller(request).require(MANAGER)
    product = one(_products(request), pk, "pass product")
    return _product_out(request, _save_product(product, sent(body)))


@router.post("/products/{pk}/archive", response=responds(200, ProductOut), tags=["products"])
def archive_product(request, pk: QueryId):
    caller(request).require(MANAGER)
    product = records.save(one(_products(request), pk, "pass product"), {"archived": True})
    return _product_out(request, product)


class AppliedOut(Schema):
    changed: int


@router.post("/products/{pk}/apply-priority", response=responds(200, AppliedOut), tags=["products"])
def apply_priority(request, pk: QueryId):
    """Give the product's priority to its live passes sold with another one (each change
    is kept in that pass's history)."""
    caller(request).require(MANAGER)
    product = one(_products(request), pk, "pass product")
    return {"changed": passes.apply_product_priority(product.id, actor=caller(request).user)}


@router.delete("/products/{pk}", response=responds(204, None), tags=["products"])
def delete_product(request, pk: QueryId):
    """Delete a product never sold; a sold one answers 409 `in_use` (archive it instead)."""
    caller(request).require(MANAGER)
    records.delete(one(_products(request), pk, "pass product"))
    return Status(204, None)
