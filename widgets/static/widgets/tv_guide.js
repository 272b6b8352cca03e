(function(){[].forEach.call(document.querySelectorAll(".tvmw-programmes"),function(list){
var item=list.querySelector(".tvmw-programme--on-air")||list.querySelector(".tvmw-programme--next");
if(item)list.scrollTop=Math.max(0,item.offsetTop-4)})})();
