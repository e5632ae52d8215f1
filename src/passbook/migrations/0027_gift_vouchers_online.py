# Gift vouchers bought online by card; refunds of renewals and gifts; voided vouchers.

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('passbook', '0026_offer_and_declined_payment_notices'),
    ]

    operations = [
        migrations.AddField(
            model_name='giftvoucher',
            name='voided_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='onlinerefund',
            name='renewal_charge',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='passbook.renewalcharge'),
        ),
        migrations.AlterField(
            model_name='onlinerefund',
            name='checkout',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='passbook.onlinecheckout'),
        ),
        migrations.CreateModel(
            name='GiftPurchase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('recipient_name', models.CharField(max_length=100)),
                ('recipient_email', models.EmailField(max_length=254)),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12)),
                ('currency', models.CharField(max_length=3)),
                ('intent_id', models.CharField(blank=True, default='', max_length=100)),
                ('client_secret', models.CharField(blank=True, default='', max_length=200)),
                ('status', models.CharField(choices=[('pending', 'Waiting for payment'), ('paid', 'Paid'), ('failed', 'Payment failed')], default='pending', max_length=10)),
                ('failure', models.CharField(blank=True, default='', max_length=300)),
                ('created_at', models.DateTimeField()),
                ('updated_at', models.DateTimeField()),
                ('buyer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='gift_purchases', to='passbook.customer')),
                ('voucher', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='purchase', to='passbook.giftvoucher')),
            ],
        ),
        migrations.AddField(
            model_name='onlinerefund',
            name='gift',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='passbook.giftpurchase'),
        ),
        migrations.AddConstraint(
            model_name='onlinerefund',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('checkout__isnull', False), ('gift', None), ('renewal_charge', None)), models.Q(('checkout', None), ('gift', None), ('renewal_charge__isnull', False)), models.Q(('checkout', None), ('gift__isnull', False), ('renewal_charge', None)), _connector='OR'), name='online_refund_of_one_thing'),
        ),
        migrations.AddConstraint(
            model_name='giftpurchase',
            constraint=models.UniqueConstraint(condition=models.Q(('intent_id', ''), _negated=True), fields=('intent_id',), name='gift_purchase_intent_unique'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('booking_confirmed', 'Booking confirmed'), ('booking_cancelled', 'Booking cancelled'), ('pass_purchased', 'Pass purchased'), ('pass_expiring', 'Pass expiring soon'), ('one_credit_left', 'One credit left'), ('renewal_issued', 'Renewal issued'), ('confirm_email', 'Confirm your email'), ('account_exists', 'Sign-up with a known email'), ('password_reset', 'Password reset'), ('staff_invite', 'Staff invitation'), ('waitlist_promoted', 'Promoted from the waitlist'), ('waitlist_skipped', 'Passed over on the waitlist'), ('waitlist_offered', 'Offered a waitlist place'), ('payment_failed', 'Card payment declined'), ('gift_voucher', 'Gift voucher bought online')], max_length=24),
        ),
    ]
