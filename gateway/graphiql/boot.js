// Starts GraphiQL on the endpoint the page names; kept out of the page so the page's
// Content-Security-Policy allows no inline script.
(function () {
  var el = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({ url: new URL(el.dataset.endpoint, location.href).href });
  ReactDOM.createRoot(el).render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
