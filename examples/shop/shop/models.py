"""The shop's SQLAlchemy models: what the migrations must produce."""
import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class OrderStatus(enum.Enum):
    pending = "pending"
    paid = "paid"
    shipped = "shipped"


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(sa.Text, nullable=False)
    name: Mapped[str | None] = mapped_column(sa.Text)
    __table_args__ = (sa.Index("ix_customers_email", "email", unique=True),)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", name="fk_orders_customer_id"), nullable=False)
    status: Mapped[OrderStatus] = mapped_column(sa.Enum(OrderStatus, name="order_status"), nullable=False, server_default="pending")
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
    __table_args__ = (sa.Index("ix_orders_customer_id", "customer_id"),)
