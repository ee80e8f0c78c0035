//! Every admin route, for the authorization tests. Add new routes here.

pub const GET_ROUTES: &[&str] = &[
    "/admin",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/1",
];

pub const POST_ROUTES: &[&str] = &[
    "/admin/users",
    "/admin/users/1",
    "/admin/users/1/password",
    "/admin/users/1/sign-out",
];
