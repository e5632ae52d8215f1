"""A browsable view of the data until the back office lands.

Configuration (catalog, staff, business) is editable here. Passes, ledger, bookings,
payments and sessions are read-only: they change only through services, which keep
counters and ledger in step.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from passbook import clock, models
from passbook.rules.money import payment_status
from passbook.rules.status import pass_status
from passbook.services.facts import pass_facts

for config in (
    models.Business,
    models.Category,
    models.ClassType,
    models.Resource,
    models.Staff,
    models.PassProduct,
):
    admin.site.register(config)


@admin.register(models.User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, with the studio role. The back office's Staff accounts page
    is the usual place to manage staff: it also keeps an active owner, ends a deactivated
    login's sessions for good and revokes its API tokens."""

    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "groups")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Studio", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Studio", {"fields": ("role",)}))


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PassEntryInline(admin.TabularInline):
    model = models.PassEntry
    fields = ("created_at", "kind", "amount", "booking", "actor", "reason")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Pass)
class PassAdmin(ReadOnly):
    list_display = [
        "customer",
        "name",
        "total",
        "held",
        "used",
        "remaining",
        "expires_at",
        "payment",
        "status",
    ]
    search_fields = ["customer__first_name", "customer__last_name", "name"]
    list_select_related = ["customer"]
    inlines = [PassEntryInline]

    @admin.display(description="payment")
    def payment(self, obj):
        return payment_status(obj.price, obj.amount_paid).label

    @admin.display(description="status")
    def status(self, obj):
        return pass_status(pass_facts(obj), clock.now()).label


@admin.register(models.Booking)
class BookingAdmin(ReadOnly):
    list_display = ["customer", "session", "status", "cost_label", "customer_pass"]
    list_filter = ["status", "paid_by"]
    list_select_related = ["customer", "session__class_type", "customer_pass"]


@admin.register(models.Customer)
class CustomerAdmin(ReadOnly):
    list_display = ["name", "email", "phone"]
    search_fields = ["first_name", "last_name", "email"]


for record in (models.Session, models.Payment, models.PassEntry, models.SessionSeries):
    admin.site.register(record, ReadOnly)
